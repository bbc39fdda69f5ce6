//! Host-side bindings of the `switchboard:pbx/event-plugin` world (`wit/`): the `plugin` world's
//! imports, plus the `event-handler` export, which the runtime looks up per component and calls only
//! where it exists (a plain `plugin` component links the same imports and is never called).
//!
//! The WASI and `wasi:http` parts map onto wasmtime-wasi's own bindings, so only Switchboard's
//! interfaces generate host traits; each capability's room implements its interface's `Host`
//! trait and registers it (see [`super::ALL`]). A function that may wait (on the PBX, the disk,
//! the bus) is listed under `imports` as async, so it yields its thread instead of blocking it.

#![allow(missing_docs)]

wasmtime::component::bindgen!({
    path: "../wit",
    world: "switchboard:pbx/event-plugin",
    with: {
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        "wasi:random": wasmtime_wasi::p2::bindings::random,
        "wasi:cli": wasmtime_wasi::p2::bindings::cli,
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        "wasi:filesystem": wasmtime_wasi::p2::bindings::filesystem,
        "switchboard:pbx/sqlite.connection": super::sqlite::Connection,
    },
    imports: {
        "switchboard:pbx/ami.send": async,
        "switchboard:pbx/ami.command": async,
        "switchboard:pbx/events.poll": async,
        "switchboard:pbx/sqlite.[static]connection.open": async,
        "switchboard:pbx/sqlite.[method]connection.execute": async,
        "switchboard:pbx/sqlite.[method]connection.execute-batch": async,
        "switchboard:pbx/sqlite.[method]connection.execute-packed": async,
        "switchboard:pbx/sqlite.[method]connection.read-snapshot": async,
        "switchboard:pbx/system.uptime": async,
        "switchboard:pbx/system.disks": async,
        "switchboard:pbx/system.firewall": async,
        "switchboard:pbx/pbx.apply-changes": async,
        "switchboard:pbx/event-stream.poll": async,
        "switchboard:pbx/pbx-control.run": async,
    },
    exports: { default: async },
    require_store_data_send: true,
});

pub use self::exports::switchboard::pbx::event_handler;
pub use self::switchboard::pbx::{
    ami, auth_throttle, event_stream, events, log, pbx, pbx_control, rate_limit, settings, sqlite, sse, system, types, wake,
};

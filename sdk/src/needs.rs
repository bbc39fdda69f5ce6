//! Declaring the grants a plugin needs, so that `switchboard check` can tell an admin what to grant.
//!
//! A component's imports only say which interfaces it may call: not which AMI actions, which
//! tables, which hosts. [`needs!`](crate::needs!) embeds the plugin's own answer — a `grants` table
//! in the syntax of a mount's `grants` in `switchboard.toml` — in a custom section of the
//! component named `switchboard:needs`. `switchboard check` lists each need the mount does not
//! grant, `switchboard check --strict` fails on them, and `switchboard needs show plugin.wasm`
//! prints the declaration. Declaring is optional; a declaration the host cannot read as a
//! `grants` table makes the plugin fail to load, so a typo never passes silently.
//!
//! ```
//! switchboard_sdk::needs!(r#"
//! ami = ["Originate", "CoreShowChannels"]
//! events = true
//! sqlite = { own = true }
//! outbound_http = ["https://crm.example.com"]
//! "#);
//! # fn main() {}
//! ```

/// Declares the grants this plugin needs (see [the module](crate::needs)): a string literal or
/// `include_str!("../needs.toml")`, written as a mount's `grants` table is. Use it once per plugin.
#[macro_export]
macro_rules! needs {
    ($declaration:expr $(,)?) => {
        const _: () = {
            const DECLARATION: &str = $declaration;
            // Only the component carries the section; a native build (tests) has nothing to embed.
            #[cfg(target_family = "wasm")]
            #[unsafe(link_section = "switchboard:needs")]
            #[used]
            static NEEDS: [u8; DECLARATION.len()] = $crate::needs::bytes::<{ DECLARATION.len() }>(DECLARATION);
            let _ = DECLARATION;
        };
    };
}

/// `text` as an array of its `N` bytes: what a `static` in a custom section must be.
#[doc(hidden)]
pub const fn bytes<const N: usize>(text: &str) -> [u8; N] {
    let source = text.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = source[i];
        i += 1;
    }
    out
}

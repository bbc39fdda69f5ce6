//! The `system` interface's host side. Reading `/proc` and walking area trees block, so they run
//! on the blocking pool.

use wasmtime::component::HasSelf;

use crate::capabilities::Capability;
use crate::capabilities::bindings::system::{self as wit, DiskUsage, Error, FirewallState, Host, UptimeInfo};
use crate::metrics::Denial;
use crate::runtime::InstanceState;

/// `system`, lent by `grants.system = true`.
pub(crate) const CAPABILITY: Capability = Capability {
    interfaces: &["switchboard:pbx/system"],
    grant: Some("system"),
    granted: super::granted,
    link: Some(|linker| wit::add_to_linker::<InstanceState, HasSelf<InstanceState>>(linker, |s| s)),
};

impl InstanceState {
    fn system_granted(&self) -> Result<(), Error> {
        if super::granted(&self.mount.grants) {
            return Ok(());
        }
        self.denied(Denial::System, "this mount's grants do not include system = true");
        Err(Error::Denied)
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Error> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::Unavailable(format!("the reading thread failed: {e}")))
}

impl Host for InstanceState {
    async fn uptime(&mut self) -> Result<UptimeInfo, Error> {
        self.system_granted()?;
        let up = blocking(super::uptime).await?.map_err(|e| Error::Unavailable(format!("{e:#}")))?;
        Ok(UptimeInfo {
            seconds: up.seconds,
            users: up.users,
            load1: up.load[0],
            load5: up.load[1],
            load15: up.load[2],
            time: up.now_hms,
            up: up.text,
        })
    }

    async fn disks(&mut self) -> Result<Vec<DiskUsage>, Error> {
        self.system_granted()?;
        let areas: Vec<(String, std::path::PathBuf)> =
            self.mount.services.areas.iter().map(|(name, dir)| (name.clone(), dir.clone())).collect();
        let usage = blocking(move || super::disk_usage(&areas)).await?;
        Ok(usage
            .into_iter()
            .map(|d| DiskUsage {
                area: d.area,
                path: d.path.display().to_string(),
                mount_point: d.mount_point.display().to_string(),
                filesystem: d.filesystem,
                size: d.size_bytes,
                used: d.used_bytes,
                available: d.available_bytes,
                area_bytes: d.area_bytes,
            })
            .collect())
    }

    async fn firewall(&mut self) -> Result<FirewallState, Error> {
        self.system_granted()?;
        let fw = blocking(super::firewall).await?;
        Ok(FirewallState { present: fw.present, running: fw.running, status: fw.status })
    }
}

//! `switchboard:pbx/ami`: actions through the host's shared AMI connection, each checked against
//! the mount's `grants.ami` allow-list — the action and the patterns of its arguments — before
//! anything is sent. The host's own actions (`Logoff`, `Events`, …) are never sent for a plugin.

use wasmtime::component::HasSelf;

use crate::capabilities::Capability;
use crate::capabilities::bindings::ami::{self as wit, ActionResult, Error, Host, PbxInfo, SipDriver};
use crate::metrics::Denial;
use crate::runtime::InstanceState;
use crate::ami::{AmiError, LinkState, Message};

/// `ami`, lent by `grants.ami`.
pub(crate) const CAPABILITY: Capability = Capability {
    interfaces: &["switchboard:pbx/ami"],
    grant: Some("ami"),
    granted: super::granted,
    link: Some(|linker| wit::add_to_linker::<InstanceState, HasSelf<InstanceState>>(linker, |s| s)),
};

impl From<AmiError> for Error {
    fn from(e: AmiError) -> Self {
        match e {
            AmiError::NotConnected => Error::NotConnected,
            AmiError::ConnectionLost => Error::ConnectionLost,
            AmiError::Invalid(why) => Error::Invalid(why),
            AmiError::Timeout(_) => Error::Timeout,
        }
    }
}

/// An answer of `Response: Error` becomes `failed` with Asterisk's message.
fn succeeded(result: crate::ami::ActionResult) -> Result<crate::ami::ActionResult, Error> {
    if result.is_success() {
        Ok(result)
    } else {
        Err(Error::Failed(result.response.get("Message").unwrap_or("the PBX answered Response: Error").to_string()))
    }
}

impl InstanceState {
    /// The shared client, when the mount may send `action` with `headers`.
    fn ami_client(&self, action: &str, headers: &[(String, String)]) -> Result<crate::ami::AmiClient, Error> {
        let (plugin, route) = (&*self.mount.plugin, &*self.mount.route);
        if super::host_only(action) {
            tracing::warn!(plugin, route, action, "AMI action denied: only the host sends it");
            let why = format!("AMI action `{action}` is sent only by the host: it would change the connection every mount shares");
            self.denied(Denial::Ami, &why);
            return Err(Error::Denied(why));
        }
        if !self.mount.grants.allows_ami(action, headers) {
            let why = if self.mount.grants.names_ami(action) {
                format!("AMI action `{action}` with these arguments is not allowed by this mount's grants.ami")
            } else {
                format!("AMI action `{action}` is not in this mount's grants.ami")
            };
            tracing::warn!(plugin, route, action, "AMI action denied by grants.ami");
            self.denied(Denial::Ami, &why);
            return Err(Error::Denied(why));
        }
        self.mount.services.ami.clone().ok_or(Error::NotConnected)
    }
}

impl Host for InstanceState {
    async fn send(&mut self, action: String, headers: Vec<(String, String)>) -> Result<ActionResult, Error> {
        let client = self.ami_client(&action, &headers)?;
        let mut message = Message::new().with("Action", action);
        for (k, v) in headers {
            message.push(k, v);
        }
        let result = succeeded(client.send(message).await?)?;
        Ok(ActionResult {
            response: result.response.into_fields(),
            events: result.events.into_iter().map(Message::into_fields).collect(),
            complete: result.complete.map(Message::into_fields),
        })
    }

    async fn command(&mut self, command: String) -> Result<Vec<String>, Error> {
        let client = self.ami_client("Command", &[("Command".to_string(), command.clone())])?;
        Ok(succeeded(client.command(&command).await?)?.output_lines())
    }

    fn info(&mut self) -> Result<PbxInfo, Error> {
        if !super::granted(&self.mount.grants) {
            self.denied(Denial::Ami, "this mount has no grants.ami");
            return Err(Error::Denied("this mount has no grants.ami".into()));
        }
        let client = self.mount.services.ami.as_ref().ok_or(Error::NotConnected)?;
        match client.state() {
            LinkState::Up(info) => Ok(PbxInfo {
                version: info.version,
                ami_version: info.ami_version,
                sip: match (info.pjsip, info.chan_sip) {
                    (true, true) => SipDriver::Both,
                    (true, false) => SipDriver::Pjsip,
                    (false, true) => SipDriver::ChanSip,
                    (false, false) => SipDriver::None,
                },
            }),
            LinkState::Down { .. } => Err(Error::NotConnected),
        }
    }
}

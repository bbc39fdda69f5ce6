//! The AMI listener and its sessions: banner, actions read and answered in order, events written
//! between actions (as Asterisk flushes them after each action) and whenever they arrive.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use switchboard_ami_wire::{Decoder, Frame, Message};

use super::actions::{self, After, Session};
use super::state::PbxRef;
use super::lifecycle::{self, PhaseCell};

/// The greeting (Asterisk 22: AMI 11.0.0).
pub const BANNER: &str = "Asterisk Call Manager/11.0.0\r\n";

/// Flush the output buffer once it holds this much.
const FLUSH_AT: usize = 256 * 1024;

/// The listener and its sessions.
pub struct Server {
    pub pbx: PbxRef,
    pub address: SocketAddr,
    /// Running, booting or shutting down (see [`lifecycle`]).
    pub phase: PhaseCell,
    sessions: Mutex<HashMap<u64, JoinHandle<()>>>,
    accept: Mutex<Option<JoinHandle<()>>>,
}

impl Server {
    /// Binds `listen` and starts accepting.
    pub async fn start(pbx: PbxRef, listen: SocketAddr) -> anyhow::Result<Arc<Server>> {
        let listener = TcpListener::bind(listen)
            .await
            .map_err(|e| anyhow::anyhow!("binding the AMI listener on {listen}: {e}"))?;
        let address = listener.local_addr()?;
        let server = Arc::new(Server { pbx, address, phase: PhaseCell::default(), sessions: Mutex::new(HashMap::new()), accept: Mutex::new(None) });
        let weak = Arc::downgrade(&server);
        let accept = tokio::spawn(async move {
            loop {
                let Ok((stream, remote)) = listener.accept().await else {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                };
                let Some(server) = weak.upgrade() else { return };
                server.spawn_session(stream, remote);
            }
        });
        *server.accept.lock().unwrap_or_else(|e| e.into_inner()) = Some(accept);
        Ok(server)
    }

    fn spawn_session(self: &Arc<Self>, stream: TcpStream, remote: SocketAddr) {
        let id = self.pbx.session_id();
        let server = self.clone();
        // Hold the map's lock across the spawn so the session cannot remove itself before it is in.
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        self.pbx.sessions.fetch_add(1, Ordering::SeqCst);
        let handle = tokio::spawn(async move {
            run_session(server.clone(), stream, remote, id).await;
            server.sessions.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
        });
        sessions.insert(id, handle);
    }

    /// Closes every session except `keep` (none waits).
    pub fn drop_sessions(&self, keep: Option<u64>) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.retain(|id, handle| {
            if Some(*id) == keep {
                return true;
            }
            handle.abort();
            false
        });
    }

    /// `core stop now`: the PBX goes down and comes straight back (as under a supervisor): every
    /// session but `caller` gets `Shutdown` and is closed, calls vanish, uptime starts again.
    pub fn restart(self: &Arc<Self>, caller: u64) {
        self.pbx.abort_calls();
        self.pbx.with(|st| {
            let cleanly = if st.channels.is_empty() { "Cleanly" } else { "Uncleanly" };
            st.unsubscribe(caller);
            st.emit(
                super::event_format::class::SYSTEM,
                super::event_format::event("Shutdown", super::event_format::class::SYSTEM)
                    .with("Shutdown", cleanly)
                    .with("Restart", "False"),
            );
            // Dropping the event queues closes the logged-in sessions once they wrote `Shutdown`.
            st.reset();
        });
        let before: Vec<u64> = self
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .copied()
            .filter(|id| *id != caller)
            .collect();
        let server = Arc::downgrade(self);
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let Some(server) = server.upgrade() else { return };
            let mut sessions = server.sessions.lock().unwrap_or_else(|e| e.into_inner());
            for id in before {
                if let Some(h) = sessions.remove(&id) {
                    h.abort();
                }
            }
        });
    }

    /// Stops listening and closes every session without waiting.
    pub fn abort(&self) {
        if let Some(accept) = self.accept.lock().unwrap_or_else(|e| e.into_inner()).take() {
            accept.abort();
        }
        self.drop_sessions(None);
    }

    /// Stops listening and closes every session; returns when all sockets are closed.
    pub async fn stop(&self) {
        let accept = self.accept.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(accept) = accept {
            accept.abort();
            let _ = accept.await;
        }
        let handles: Vec<JoinHandle<()>> =
            self.sessions.lock().unwrap_or_else(|e| e.into_inner()).drain().map(|(_, h)| h).collect();
        for h in &handles {
            h.abort();
        }
        for h in handles {
            let _ = h.await;
        }
    }
}

/// Decrements the session count however the session ends (also when aborted).
struct Counted(PbxRef, u64);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.sessions.fetch_sub(1, Ordering::SeqCst);
        self.0.with(|st| st.unsubscribe(self.1));
    }
}

fn append(out: &mut Vec<u8>, m: &Message) {
    out.extend_from_slice(m.to_string().as_bytes());
}

fn drain(rx: &mut Option<mpsc::Receiver<Arc<Message>>>, out: &mut Vec<u8>) -> bool {
    let Some(r) = rx.as_mut() else { return true };
    loop {
        match r.try_recv() {
            Ok(m) => append(out, &m),
            Err(mpsc::error::TryRecvError::Empty) => return true,
            Err(mpsc::error::TryRecvError::Disconnected) => return false,
        }
    }
}

async fn run_session(server: Arc<Server>, stream: TcpStream, remote: SocketAddr, id: u64) {
    let _count = Counted(server.pbx.clone(), id);
    let local = stream.local_addr().unwrap_or(server.address);
    let _ = stream.set_nodelay(true);
    let (mut rd, mut wr) = stream.into_split();
    if wr.write_all(BANNER.as_bytes()).await.is_err() {
        return;
    }
    let mut session = Session {
        pbx: server.pbx.clone(),
        id,
        authed: false,
        username: String::new(),
        mask: 0,
        challenge: None,
        local,
        remote,
        connected: SystemTime::now(),
    };
    let mut events: Option<mpsc::Receiver<Arc<Message>>> = None;
    let mut decoder = Decoder::server();
    let mut buf = vec![0u8; 16 * 1024];
    let mut out: Vec<u8> = Vec::new();
    loop {
        tokio::select! {
            biased;
            read = rd.read(&mut buf) => {
                let n = match read {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                decoder.extend(&buf[..n]);
                let mut close = false;
                loop {
                    let action = match decoder.next_frame() {
                        Ok(Some(Frame::Message(m))) => m,
                        Ok(Some(Frame::Banner(_))) => continue,
                        Ok(None) => break,
                        Err(_) => {
                            close = true;
                            break;
                        }
                    };
                    let phase = server.phase.get();
                    let reply = match lifecycle::refuse(phase, &action) {
                        Some(refused) => refused,
                        None => lifecycle::adjust(phase, &action, actions::handle(&mut session, &action).await),
                    };
                    if let Some(rx) = reply.subscribe {
                        events = Some(rx);
                    }
                    for m in &reply.messages {
                        append(&mut out, m);
                    }
                    if reply.after == After::Restart {
                        server.restart(session.id);
                    }
                    if reply.after != After::Continue {
                        close = true;
                        break;
                    }
                    if action.get("SuppressEvents").is_none() && !drain(&mut events, &mut out) {
                        close = true;
                        break;
                    }
                    if out.len() >= FLUSH_AT {
                        if wr.write_all(&out).await.is_err() {
                            return;
                        }
                        out.clear();
                    }
                }
                if !out.is_empty() {
                    if wr.write_all(&out).await.is_err() {
                        return;
                    }
                    out.clear();
                }
                if close {
                    let _ = wr.shutdown().await;
                    break;
                }
            }
            event = async { events.as_mut().expect("guarded").recv().await }, if events.is_some() => {
                let Some(event) = event else { break };
                append(&mut out, &event);
                let alive = drain(&mut events, &mut out);
                if wr.write_all(&out).await.is_err() {
                    return;
                }
                out.clear();
                if !alive {
                    break;
                }
            }
        }
    }
}

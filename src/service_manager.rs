//! Telling systemd (a `Type=notify` unit) how the daemon is doing: `READY=1` once
//! `/dev/crypto` exists and the workers serve it, `STOPPING=1` when it shuts down, and a
//! one-line `STATUS=`. The protocol: datagrams of `KEY=value` lines to the unix socket named
//! by `$NOTIFY_SOCKET` (a path, or `@name` for the abstract namespace).
//!
//! The socket is connected at start, while the daemon may still open sockets; sending later
//! needs only `sendto`, which the sandbox allows.

use std::io;
use std::os::unix::net::UnixDatagram;

/// The connection to the service manager, if one started the daemon.
#[derive(Debug)]
pub struct ServiceManager {
    socket: UnixDatagram,
}

impl ServiceManager {
    /// Connects to `$NOTIFY_SOCKET`; `Ok(None)` when it is not set (not started by systemd,
    /// or not as a notify service).
    pub fn from_environment() -> io::Result<Option<ServiceManager>> {
        let Some(address) = std::env::var_os("NOTIFY_SOCKET") else {
            return Ok(None);
        };
        let address = address.to_string_lossy().into_owned();
        let socket = UnixDatagram::unbound()?;
        if let Some(name) = address.strip_prefix('@') {
            use std::os::linux::net::SocketAddrExt;
            let abstract_address = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
            socket.connect_addr(&abstract_address)?;
        } else {
            socket.connect(&address)?;
        }
        Ok(Some(ServiceManager { socket }))
    }

    fn send(&self, message: &str) {
        if let Err(e) = self.socket.send(message.as_bytes()) {
            tracing::warn!("cannot notify the service manager ({message:?}): {e}");
        }
    }

    /// The device exists and is served.
    pub fn ready(&self, status: &str) {
        self.send(&format!("READY=1\nSTATUS={}", one_line(status)));
    }

    /// The daemon is shutting down.
    pub fn stopping(&self) {
        self.send("STOPPING=1\nSTATUS=removing the device");
    }
}

fn one_line(text: &str) -> String {
    text.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_reach_the_socket_named_in_the_environment() {
        let name = format!("cryptodev-cuse-notify-test-{}", std::process::id());
        use std::os::linux::net::SocketAddrExt;
        let address = std::os::unix::net::SocketAddr::from_abstract_name(&name).unwrap();
        let receiver = UnixDatagram::bind_addr(&address).unwrap();
        // The variable is read once, here; no other test reads NOTIFY_SOCKET.
        std::env::set_var("NOTIFY_SOCKET", format!("@{name}"));
        let manager = ServiceManager::from_environment().unwrap().unwrap();
        std::env::remove_var("NOTIFY_SOCKET");
        manager.ready("serving /dev/crypto\n(direct)");
        let mut buf = [0u8; 128];
        let len = receiver.recv(&mut buf).unwrap();
        assert_eq!(
            &buf[..len],
            b"READY=1\nSTATUS=serving /dev/crypto (direct)".as_slice()
        );
    }
}

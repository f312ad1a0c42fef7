//! A plain static file server: Python's `http.server` serving a folder on 127.0.0.1. It knows
//! nothing of the project, as the web server or object store that hosts an `export --tiles`
//! copy would not.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Stopped (its own process) when dropped.
pub struct StaticServer {
    child: Child,
    port: u16,
}

impl StaticServer {
    pub fn start(dir: &Path) -> StaticServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new("python3")
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .arg("--directory")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m http.server starts");
        // Ready once it accepts a connection.
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return StaticServer { child, port };
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the static server on port {port} never answered");
    }

    /// Its root, with a final slash: the tile prefix of the folder it serves.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! A small SMTP server on loopback that records what arrives. It can be
//! stopped (connection refused, pooled connections dropped) and started again
//! on the same port to simulate an outage, and told to reject recipients with
//! a permanent 550.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
    /// When the sink answered 250 to the message (benchmarks time it).
    pub accepted_at: std::time::SystemTime,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("a parsable message")
    }

    pub fn message_id(&self) -> String {
        self.parsed().message_id().unwrap_or_default().to_owned()
    }
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    rejected: HashSet<String>,
}

pub struct SmtpSink {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    server: Option<JoinHandle<()>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind SMTP sink");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(Mutex::new(State::default()));
        let server = Some(tokio::spawn(serve(listener, state.clone())));
        SmtpSink {
            addr,
            state,
            server,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Refuse connections and drop open ones until `restart`.
    pub fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }

    /// Listen again on the same port.
    pub async fn restart(&mut self) {
        self.stop();
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        };
        self.server = Some(tokio::spawn(serve(listener, self.state.clone())));
    }

    /// Answer RCPT TO for `address` with a permanent 550.
    pub fn reject(&self, address: &str) {
        self.lock().rejected.insert(address.to_lowercase());
    }

    pub fn accept(&self, address: &str) {
        self.lock().rejected.remove(&address.to_lowercase());
    }

    /// How many messages arrived (cheap: `received` copies every message).
    pub fn count(&self) -> usize {
        self.lock().received.len()
    }

    pub fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    /// Wait until at least `n` messages arrived (or `timeout` passes).
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let received = self.received();
            if received.len() >= n || tokio::time::Instant::now() >= deadline {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Accept loop; connection tasks live in a JoinSet owned by this task, so
/// aborting it drops every open connection too.
async fn serve(listener: TcpListener, state: Arc<Mutex<State>>) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    connections.spawn(session(stream, state.clone()));
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn session(stream: TcpStream, state: Arc<Mutex<State>>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let _ = write.write_all(b"220 sink.test ESMTP\r\n").await;
    let mut from = String::new();
    let mut to: Vec<String> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if upper.starts_with("HELO") {
            b"250 sink.test\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = address_of(&command[10..]);
            to.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            let address = address_of(&command[8..]);
            let rejected = state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .rejected
                .contains(&address.to_lowercase());
            if rejected {
                b"550 5.1.1 mailbox unavailable\r\n"
            } else {
                to.push(address);
                b"250 OK\r\n"
            }
        } else if upper == "DATA" {
            let _ = write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await;
            let mut data = Vec::new();
            loop {
                line.clear();
                match lines.read_line(&mut line).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                let unstuffed = line
                    .strip_prefix('.')
                    .filter(|_| line.starts_with(".."))
                    .unwrap_or(&line);
                data.extend_from_slice(unstuffed.as_bytes());
            }
            state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .received
                .push(Received {
                    from: from.clone(),
                    to: std::mem::take(&mut to),
                    data,
                    accepted_at: std::time::SystemTime::now(),
                });
            b"250 OK queued\r\n"
        } else if upper == "QUIT" {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else if upper == "RSET" {
            to.clear();
            b"250 OK\r\n"
        } else if upper == "NOOP" {
            b"250 OK\r\n"
        } else {
            b"502 not implemented\r\n"
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

fn address_of(arg: &str) -> String {
    let arg = arg.trim();
    let inner = arg
        .find('<')
        .and_then(|start| {
            arg[start + 1..]
                .find('>')
                .map(|end| &arg[start + 1..start + 1 + end])
        })
        .unwrap_or(arg);
    inner.to_owned()
}

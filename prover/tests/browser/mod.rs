#![allow(dead_code)] // each test binary uses its own part of these helpers

//! Headless Chromium for the report tests, driven over the DevTools protocol on a pipe
//! (`--remote-debugging-pipe`: file descriptors 3 and 4, NUL-terminated JSON): no npm, no
//! browser download, no network port. A page is loaded from `file://`, and we collect every
//! console error, uncaught exception and browser log error (a failed load, a CSP violation), read
//! the DOM and layout, and take screenshots.
//!
//! Chromium is required, not optional: a test that needs it FAILS when it is missing and says
//! how to install it.

use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use serde_json::{json, Value};

pub const INSTALL: &str = "apt-get update && apt-get install -y chromium";

/// The Chromium binary: `$BONDPROOF_CHROMIUM`, else `chromium` (Debian's package) or
/// `chromium-browser` / `google-chrome` on the PATH. Panics, failing the test, when none is.
pub fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("BONDPROOF_CHROMIUM") {
        return PathBuf::from(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "the report tests render the site in headless Chromium, which is not installed.\n\
         Install it (Debian/Ubuntu): {INSTALL}\n\
         or point BONDPROOF_CHROMIUM at a Chrome or Chromium binary."
    );
}

/// A running headless browser with one page attached.
pub struct Browser {
    child: Child,
    to: std::fs::File,
    from: Receiver<Value>,
    next_id: u64,
    session: String,
    /// Console errors, exceptions and log errors seen so far.
    pub errors: Vec<String>,
    _profile: tempfile::TempDir,
}

fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two new descriptors into `fds`; we own them from here on.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2: {}", std::io::Error::last_os_error());
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

impl Browser {
    pub fn launch() -> Browser {
        let bin = chromium();
        let profile = tempfile::tempdir().expect("a fresh profile folder");
        let (chrome_reads, we_write) = pipe();
        let (we_read, chrome_writes) = pipe();
        let (r, w) = (std::os::fd::AsRawFd::as_raw_fd(&chrome_reads), std::os::fd::AsRawFd::as_raw_fd(&chrome_writes));
        let mut cmd = Command::new(&bin);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            "--remote-debugging-pipe",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls between fork and exec. Move the pipe ends above
        // 10 first so that dup2 onto 3 and 4 cannot clobber one of them; dup2 clears CLOEXEC.
        unsafe {
            cmd.pre_exec(move || {
                let r2 = libc::fcntl(r, libc::F_DUPFD, 10);
                let w2 = libc::fcntl(w, libc::F_DUPFD, 10);
                if r2 < 0 || w2 < 0 || libc::dup2(r2, 3) < 0 || libc::dup2(w2, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child =
            cmd.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}\ninstall it with: {INSTALL}", bin.display()));
        drop(chrome_reads);
        drop(chrome_writes);
        let (tx, rx) = channel();
        let reader = std::fs::File::from(we_read);
        std::thread::spawn(move || {
            let mut r = BufReader::new(reader);
            let mut buf = Vec::new();
            while let Ok(n) = r.read_until(0, &mut buf) {
                if n == 0 {
                    break;
                }
                if buf.last() == Some(&0) {
                    buf.pop();
                }
                if let Ok(v) = serde_json::from_slice::<Value>(&buf) {
                    if tx.send(v).is_err() {
                        break;
                    }
                }
                buf.clear();
            }
        });
        let mut b = Browser {
            child,
            to: std::fs::File::from(we_write),
            from: rx,
            next_id: 0,
            session: String::new(),
            errors: Vec::new(),
            _profile: profile,
        };
        let target = b.call_browser("Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"].as_str().expect("a target id").to_string();
        let attached = b.call_browser("Target.attachToTarget", json!({"targetId": target_id, "flatten": true}));
        b.session = attached["sessionId"].as_str().expect("a session id").to_string();
        for method in ["Runtime.enable", "Log.enable", "Page.enable"] {
            b.call(method, json!({}));
        }
        b
    }

    fn send(&mut self, method: &str, params: Value, session: bool) -> u64 {
        self.next_id += 1;
        let mut msg = json!({"id": self.next_id, "method": method, "params": params});
        if session {
            msg["sessionId"] = json!(self.session);
        }
        let mut bytes = serde_json::to_vec(&msg).expect("serializes");
        bytes.push(0);
        self.to.write_all(&bytes).expect("write to chromium");
        self.next_id
    }

    fn next_message(&mut self) -> Value {
        let msg = self.from.recv_timeout(Duration::from_secs(60)).expect("chromium answered within 60 s");
        self.note_event(&msg);
        msg
    }

    /// Records console errors, exceptions and log errors.
    fn note_event(&mut self, msg: &Value) {
        let params = &msg["params"];
        match msg["method"].as_str() {
            Some("Runtime.consoleAPICalled") if matches!(params["type"].as_str(), Some("error" | "assert")) => {
                let args: Vec<String> = params["args"]
                    .as_array()
                    .map(|a| a.iter().map(|x| x["value"].to_string()).collect())
                    .unwrap_or_default();
                self.errors.push(format!("console.{}: {}", params["type"].as_str().unwrap_or(""), args.join(" ")));
            }
            Some("Runtime.exceptionThrown") => {
                self.errors.push(format!("exception: {}", params["exceptionDetails"]["text"]));
            }
            Some("Log.entryAdded") if params["entry"]["level"].as_str() == Some("error") => {
                self.errors.push(format!("log: {} ({})", params["entry"]["text"], params["entry"]["url"]));
            }
            _ => {}
        }
    }

    fn wait_result(&mut self, id: u64, method: &str) -> Value {
        loop {
            let msg = self.next_message();
            if msg["id"].as_u64() == Some(id) {
                if let Some(e) = msg.get("error") {
                    panic!("{method}: {e}");
                }
                return msg["result"].clone();
            }
        }
    }

    fn call_browser(&mut self, method: &str, params: Value) -> Value {
        let id = self.send(method, params, false);
        self.wait_result(id, method)
    }

    /// A DevTools command on the page.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.send(method, params, true);
        self.wait_result(id, method)
    }

    /// Sets the viewport (CSS pixels) and the emulated media ("screen" or "print").
    pub fn viewport(&mut self, width: u32, height: u32, media: &str) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        );
        self.call("Emulation.setEmulatedMedia", json!({"media": media}));
    }

    /// Loads a file and waits for its load event.
    pub fn open(&mut self, path: &Path) {
        let url = format!("file://{}", std::fs::canonicalize(path).expect("the page exists").display());
        let id = self.send("Page.navigate", json!({"url": url}), true);
        let mut answered = false;
        let mut loaded = false;
        while !(answered && loaded) {
            let msg = self.next_message();
            if msg["id"].as_u64() == Some(id) {
                if let Some(t) = msg["result"]["errorText"].as_str() {
                    panic!("cannot load {url}: {t}");
                }
                answered = true;
            }
            if msg["method"].as_str() == Some("Page.loadEventFired") {
                loaded = true;
            }
        }
        // A round trip after the load, so that messages logged during it have arrived.
        self.eval("1");
    }

    /// Evaluates a JavaScript expression in the page (the page itself runs no script; this is
    /// the test reading it) and returns its value.
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self.call("Runtime.evaluate", json!({"expression": expression, "returnByValue": true}));
        if let Some(e) = r.get("exceptionDetails") {
            panic!("evaluating {expression}: {e}");
        }
        r["result"]["value"].clone()
    }

    /// The DOM as the browser built it.
    pub fn dom(&mut self) -> String {
        self.eval("document.documentElement.outerHTML").as_str().expect("a string").to_string()
    }

    /// A PNG of the whole page at the current width (or its first `max_height` pixels).
    pub fn screenshot(&mut self, out: &Path, width: u32, max_height: Option<u32>) {
        let full = self.eval("Math.ceil(document.documentElement.scrollHeight)").as_u64().unwrap_or(1000) as u32;
        let height = max_height.map_or(full, |m| m.min(full));
        self.viewport(width, height, "screen");
        let clip = json!({"x": 0, "y": 0, "width": width, "height": height, "scale": 1});
        let shot =
            self.call("Page.captureScreenshot", json!({"format": "png", "captureBeyondViewport": true, "clip": clip}));
        use base64::Engine;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("png data"))
            .expect("base64 png");
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir).expect("screenshot folder");
        }
        std::fs::write(out, png).expect("write the screenshot");
    }

    /// The page printed to PDF on a paper size (inches), 12 mm margins as the page's CSS asks.
    pub fn print_pdf(&mut self, width_in: f64, height_in: f64) -> Vec<u8> {
        let pdf = self.call(
            "Page.printToPDF",
            json!({"paperWidth": width_in, "paperHeight": height_in, "preferCSSPageSize": true, "printBackground": true}),
        );
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.decode(pdf["data"].as_str().expect("pdf data")).expect("base64 pdf")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.send("Browser.close", json!({}), false);
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! Running one Terraform command with captured output and a time limit.

use std::fmt;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Time after which a Terraform command is killed. Generous, because the machines that run the
/// tests are small and shared by parallel test threads.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

/// How often a running command is checked for exit.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// Exit code and captured output of one finished command.
#[derive(Debug, Clone)]
pub struct TfOutput {
    /// Exit code, or 128 plus the signal number when a signal ended the process, as shells
    /// report it.
    pub code: i32,
    /// Standard output, decoded as UTF-8 with invalid bytes replaced.
    pub stdout: String,
    /// Standard error, decoded as UTF-8 with invalid bytes replaced.
    pub stderr: String,
}

impl TfOutput {
    /// Returns whether the command exited with code 0.
    pub fn success(&self) -> bool {
        self.code == 0
    }
}

impl fmt::Display for TfOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "exit code {}", self.code)?;
        writeln!(f, "--- stdout ---")?;
        writeln!(f, "{}", self.stdout.trim_end())?;
        writeln!(f, "--- stderr ---")?;
        write!(f, "{}", self.stderr.trim_end())
    }
}

/// Runs `command` with standard input closed and both output streams captured, and waits up to
/// `timeout` for it to exit.
///
/// The command runs in its own process group, so that on timeout the whole group is killed,
/// including the provider plugins Terraform started. `description` names the command in panic
/// messages.
///
/// # Panics
///
/// Panics when the command cannot be started or is still running after `timeout`; the message
/// shows the output captured so far.
pub fn run_with_timeout(command: &mut Command, description: &str, timeout: Duration) -> TfOutput {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = command
        .spawn()
        .unwrap_or_else(|error| panic!("failed to start `{description}`: {error}"));
    let stdout = read_in_background(child.stdout.take());
    let stderr = read_in_background(child.stderr.take());

    let status = wait_with_timeout(&mut child, timeout);
    let stdout = join_reader(stdout);
    let stderr = join_reader(stderr);

    match status {
        Some(status) => TfOutput {
            code: exit_code(status),
            stdout,
            stderr,
        },
        None => panic!(
            "`{description}` timed out after {timeout:?} and was killed\n--- stdout ---\n{}\n--- stderr ---\n{}",
            stdout.trim_end(),
            stderr.trim_end()
        ),
    }
}

/// Waits for `child` to exit and returns its status, or kills its process group and returns
/// `None` once `timeout` has passed.
fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => thread::sleep(POLL_INTERVAL),
            Ok(None) => break,
            Err(error) => panic!("failed to wait for process {}: {error}", child.id()),
        }
    }

    // The child was started as the leader of a new process group, so the group id is its pid.
    // std has no call to signal a group, hence the kill(1) command.
    let group = format!("-{}", child.id());
    let killed = Command::new("kill")
        .args(["-KILL", "--", &group])
        .status()
        .is_ok_and(|status| status.success());
    if !killed {
        // Without the group kill, at least the Terraform process itself must go.
        let _ = child.kill();
    }
    let _ = child.wait();
    None
}

fn read_in_background<R: Read + Send + 'static>(stream: Option<R>) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut stream) = stream {
            // A read error ends the capture early, and what was read so far is still reported.
            let _ = stream.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn join_reader(reader: JoinHandle<String>) -> String {
    reader
        .join()
        .expect("an output reader thread only reads into a buffer and does not panic")
}

fn exit_code(status: ExitStatus) -> i32 {
    match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal,
        (None, None) => -1,
    }
}

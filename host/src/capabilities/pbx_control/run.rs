//! Running one configured command: the program directly (no shell), no standard input, a
//! deadline, and the first lines of what it printed.

use std::process::Stdio;
use std::time::Duration;

/// How long a command may run before it is killed.
pub const TIMEOUT: Duration = Duration::from_secs(60);
/// Lines of output kept for the answer (stdout, then stderr).
pub const OUTPUT_LINES: usize = 20;
/// A kept line longer than this is cut.
const LINE_BYTES: usize = 200;

/// Runs `argv` (`argv[0]` the program) and waits for it, at most `timeout`.
pub async fn run(argv: &[String], timeout: Duration) -> Result<String, String> {
    let (program, args) = argv.split_first().ok_or("the command is empty")?;
    let child = tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("`{program}` could not be started: {e}"))?;
    let output = match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(Ok(output)) => output,
        Ok(Err(e)) => return Err(format!("`{program}` failed: {e}")),
        // Dropping the child's future kills it (`kill_on_drop`).
        Err(_) => return Err(format!("`{program}` did not finish within {} s and was killed", timeout.as_secs())),
    };
    let text = first_lines(&output.stdout, &output.stderr);
    if output.status.success() {
        Ok(text)
    } else {
        let status = match output.status.code() {
            Some(code) => format!("exited with status {code}"),
            None => "was killed by a signal".to_string(),
        };
        Err(if text.is_empty() { format!("`{program}` {status}") } else { format!("`{program}` {status}: {text}") })
    }
}

/// The first [`OUTPUT_LINES`] non-empty lines of stdout then stderr, each cut to 200 bytes.
fn first_lines(stdout: &[u8], stderr: &[u8]) -> String {
    let stdout = String::from_utf8_lossy(stdout);
    let stderr = String::from_utf8_lossy(stderr);
    stdout
        .lines()
        .chain(stderr.lines())
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .take(OUTPUT_LINES)
        .map(|line| {
            let mut end = line.len().min(LINE_BYTES);
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            &line[..end]
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[tokio::test]
    async fn success_failure_and_timeout() {
        assert_eq!(run(&argv(&["/bin/echo", "a;b", "$HOME"]), TIMEOUT).await.unwrap(), "a;b $HOME", "no shell");
        let failed = run(&argv(&["/bin/sh", "-c", "echo out; echo err >&2; exit 3"]), TIMEOUT).await.unwrap_err();
        assert_eq!(failed, "`/bin/sh` exited with status 3: out\nerr");
        let slow = run(&argv(&["/bin/sleep", "5"]), Duration::from_millis(100)).await.unwrap_err();
        assert!(slow.contains("did not finish"), "{slow}");
        assert!(run(&argv(&["/nonexistent/program"]), TIMEOUT).await.unwrap_err().contains("could not be started"));
    }

    #[test]
    fn output_is_cut_to_the_first_lines() {
        let many: String = (0..50).map(|i| format!("line {i}\n")).collect();
        let kept = first_lines(many.as_bytes(), b"");
        assert_eq!(kept.lines().count(), OUTPUT_LINES);
        assert_eq!(first_lines("é".repeat(300).as_bytes(), b"").len(), 200);
    }
}

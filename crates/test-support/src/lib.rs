//! Helpers shared by the mocks' own tests. Use it as a dev-dependency only.
//!
//! [`Installed`] is for command-line tests that run a mock the way a user who installed it
//! would: a copy of the binary in an empty folder, run from another empty folder, with no
//! repository around it and no environment leaking in.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A binary copied out of the build tree into an empty folder (`bin/`), run from another
/// empty folder (`work/`) with `HOME` there too: what `cargo install` or a release download
/// gives a user. The folders are removed on drop.
pub struct Installed {
    dir: tempfile::TempDir,
    program: String,
}

impl Installed {
    /// Copies `built` (`env!("CARGO_BIN_EXE_<name>")`) into a fresh folder.
    pub fn new(built: &str) -> Self {
        let program = Path::new(built)
            .file_name()
            .expect("a binary path")
            .to_string_lossy()
            .into_owned();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("bin")).unwrap();
        std::fs::create_dir(dir.path().join("work")).unwrap();
        std::fs::copy(built, dir.path().join("bin").join(&program)).unwrap();
        Self { dir, program }
    }

    /// The folder holding `bin/` and `work/`: a place for files a test wants outside the
    /// working directory (`etc/engee.toml`).
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The empty working directory the binary runs in.
    pub fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// The copied binary with `args`, in `work/`, with a cleared environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(self.dir.path().join("bin").join(&self.program));
        command
            .args(args)
            .current_dir(self.work())
            .env_clear()
            .env("HOME", self.work())
            .env("TMPDIR", self.dir.path());
        command
    }

    /// Starts the copy with `args` and waits for its first stdout line (`listening on
    /// URL`); stderr is discarded. The process is killed when the [`Started`] is dropped.
    pub fn start(&self, args: &[&str]) -> Started {
        let mut child = spawn_copy(
            self.command(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
        );
        let mut first_line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut first_line,
        )
        .unwrap();
        Started {
            child,
            first_line: first_line.trim_end().to_owned(),
        }
    }

    /// Runs what should be a refusal. A process still running after 20 s (it did not
    /// refuse) is killed and reported with status `None`.
    pub fn refused(&self, args: &[&str]) -> Refused {
        let mut child = spawn_copy(
            self.command(args)
                .stdout(Stdio::null())
                .stderr(Stdio::piped()),
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status.code();
            }
            if Instant::now() > deadline {
                child.kill().unwrap();
                child.wait().unwrap();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        Refused {
            program: self.program.clone(),
            status,
            stderr,
        }
    }
}

/// A running copy (see [`Installed::start`]); killed on drop.
pub struct Started {
    child: Child,
    /// What it printed first, without the line end.
    pub first_line: String,
}

impl Started {
    /// The address from its `listening on URL` banner; panics with the line otherwise.
    pub fn url(&self) -> &str {
        self.first_line
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("not a banner: {:?}", self.first_line))
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What [`Installed::refused`] saw.
pub struct Refused {
    /// The binary's name, which starts its one-line message.
    pub program: String,
    /// The exit status; `None` when it had to be killed.
    pub status: Option<i32>,
    pub stderr: String,
}

/// The mocks' start-up refusal (issue 12, bad input): exit status 2 and one line on stderr,
/// `<program>: …`, containing each of `says`.
pub fn assert_refused(refused: Refused, says: &[&str]) {
    let Refused {
        program,
        status,
        stderr,
    } = refused;
    assert_eq!(status, Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with(&format!("{program}: ")), "{stderr}");
    for part in says {
        assert!(stderr.contains(part), "{part:?} missing from {stderr:?}");
    }
}

/// Spawns, retrying while the copied binary is "text file busy": a fork in another test
/// thread may briefly hold a write handle on the fresh copy.
pub fn spawn_copy(command: &mut Command) -> Child {
    for _ in 0..200 {
        match command.spawn() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other.expect("spawn the copied binary"),
        }
    }
    panic!("the copied binary stayed busy for 2 s");
}

/// The repository the tests were built in (the workspace root).
pub fn repository() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .display()
        .to_string()
}

/// Whether `bytes` holds the repository's path followed (within a path's length) by
/// `fixtures`: a default read from where the binary was built.
pub fn names_repository_fixtures(bytes: &[u8], repository: &str) -> bool {
    let needle = repository.as_bytes();
    bytes.windows(needle.len()).enumerate().any(|(i, w)| {
        w == needle && {
            let tail = &bytes[i + needle.len()..(i + needle.len() + 64).min(bytes.len())];
            tail.windows(8).any(|t| t == b"fixtures")
        }
    })
}

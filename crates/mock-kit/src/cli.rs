//! What both binaries do before and right after they start serving: refuse bad input with
//! one line that says what to do (exit status 2), and write the port file atomically.

use std::fmt::Display;
use std::io;
use std::net::SocketAddr;
use std::path::Path;

/// The exit status of every start-up refusal (bad config, port in use, unusable files).
pub const USAGE_EXIT: i32 = 2;

/// Prints `<program>: <message>` as one line on stderr and exits with [`USAGE_EXIT`].
pub fn refuse(program: &str, message: impl Display) -> ! {
    let message = message.to_string().replace('\n', " ");
    eprintln!("{program}: {message}");
    std::process::exit(USAGE_EXIT)
}

/// The value of `--seed`: a whole number from 0 to 2^64-1, or a one-line refusal naming
/// the flag. (Parsed here rather than by clap, whose errors run to several lines.)
pub fn parse_seed(value: &str) -> Result<u64, String> {
    value.trim().parse().map_err(|_| {
        format!(
            "--seed takes a whole number from 0 to {}, not {value:?}; leave it out for random ids",
            u64::MAX
        )
    })
}

/// Binds `addr` once and lets it go, so that a port in use is reported before the mock
/// creates anything (a data directory, say). The answer names the fix; `flag` is the
/// option that sets the address.
pub fn check_addr(addr: SocketAddr, flag: &str) -> Result<(), String> {
    if addr.port() == 0 {
        return Ok(());
    }
    match std::net::TcpListener::bind(addr) {
        Ok(_) => Ok(()),
        Err(e) => Err(bind_error(addr, flag, &e)),
    }
}

/// The one-line explanation of a failed bind of `addr`.
pub fn bind_error(addr: SocketAddr, flag: &str, e: &io::Error) -> String {
    let fix = format!("pick another with {flag} (port 0 picks a free one)");
    match e.kind() {
        io::ErrorKind::AddrInUse => format!(
            "cannot listen on {addr}: the port is already in use (another mock still \
             running?); stop that process or {fix}"
        ),
        io::ErrorKind::AddrNotAvailable => format!(
            "cannot listen on {addr}: no network interface of this machine has that address; \
             use 127.0.0.1 or 0.0.0.0 with {flag}"
        ),
        io::ErrorKind::PermissionDenied => format!(
            "cannot listen on {addr}: permission denied (ports below 1024 need privileges); \
             {fix}"
        ),
        _ => format!("cannot listen on {addr}: {e}; {fix}"),
    }
}

/// Writes `port` to `path` through a temporary file in the same folder, renamed into
/// place: a script polling the file never reads a half-written number.
pub fn write_port_file(path: &Path, port: u16) -> io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "names no file"))?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{}.tmp", std::process::id()));
    let temp = path.with_file_name(temp_name);
    std::fs::write(&temp, port.to_string())?;
    std::fs::rename(&temp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_in_use_is_named_with_the_fix() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let message = check_addr(addr, "--addr").unwrap_err();
        assert!(message.contains("already in use"), "{message}");
        assert!(message.contains("--addr"), "{message}");
        drop(taken);
        assert_eq!(check_addr(addr, "--addr"), Ok(()));
        assert_eq!(check_addr("127.0.0.1:0".parse().unwrap(), "--addr"), Ok(()));
    }

    #[test]
    fn seeds_are_whole_numbers() {
        assert_eq!(parse_seed("7"), Ok(7));
        assert_eq!(parse_seed(&u64::MAX.to_string()), Ok(u64::MAX));
        for bad in ["abc", "-1", "1.5", "", "18446744073709551616"] {
            let message = parse_seed(bad).unwrap_err();
            assert!(
                message.starts_with("--seed takes a whole number"),
                "{message}"
            );
        }
    }

    #[test]
    fn the_port_file_is_replaced_whole() {
        let dir = std::env::temp_dir().join(format!("mock-kit-port-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("port");
        std::fs::write(&file, "999999").unwrap();
        write_port_file(&file, 8088).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "8088");
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "no temporary file left behind");
        std::fs::remove_dir_all(&dir).ok();
    }
}

//! A ZIP archive written on a blocking task straight into a response body: nothing is
//! built whole in memory, and a client that goes away stops the writer.

use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use axum::body::Body;
use bytes::Bytes;
use tokio::sync::mpsc;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::store::resolves_inside;

/// How much is buffered before a chunk goes to the client.
const CHUNK: usize = 64 * 1024;

/// One thing to pack: a file or a directory (recursively) and the entry name it gets.
#[derive(Debug, Clone)]
pub struct Source {
    pub disk: PathBuf,
    /// The entry name, `/`-separated, relative to `/user`; empty for `/user` itself.
    pub name: String,
}

/// A response body that streams a ZIP of `sources`. Entries stay inside `root`: symbolic
/// links below the sources are followed only to files inside it (links to directories are
/// skipped, so no cycles). An entry name seen twice is packed once; a name an extractor
/// could take outside its target directory is never written (see [`safe_entry_name`]).
pub fn zip_body(root: PathBuf, sources: Vec<Source>) -> Body {
    let (tx, mut rx) = mpsc::channel::<io::Result<Bytes>>(4);
    tokio::task::spawn_blocking(move || {
        let sender = tx.clone();
        if let Err(e) = write_zip(&root, &sources, ChannelWriter::new(tx))
            && e.kind() != io::ErrorKind::BrokenPipe
        {
            tracing::warn!(error = %e, "ZIP download failed midway");
            // The client sees a broken body rather than a truncated archive.
            let _ = sender.blocking_send(Err(e));
        }
    });
    Body::from_stream(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}

fn write_zip(root: &Path, sources: &[Source], out: ChannelWriter) -> io::Result<()> {
    let mut zip = ZipWriter::new_stream(out);
    let mut seen = HashSet::new();
    for s in sources {
        add(&mut zip, root, &s.disk, &s.name, &mut seen)?;
    }
    let mut out = zip.finish().map_err(io::Error::other)?.into_inner();
    out.flush()
}

fn add<W: Write + io::Seek>(
    zip: &mut ZipWriter<W>,
    root: &Path,
    disk: &Path,
    name: &str,
    seen: &mut HashSet<String>,
) -> io::Result<()> {
    if !name.is_empty() && !safe_entry_name(name) {
        // Only files put on disk behind the mock's back can have such names: the API
        // refuses them.
        tracing::warn!(entry = %name, "left out of a ZIP: unsafe entry name");
        return Ok(());
    }
    let meta = match std::fs::symlink_metadata(disk) {
        Ok(m) => m,
        // Removed meanwhile (a concurrent upload or eval): not part of the archive.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if meta.file_type().is_symlink() {
        if !resolves_inside(root, disk).unwrap_or(false) || disk.is_dir() {
            return Ok(());
        }
    } else if meta.is_dir() {
        if !name.is_empty() && seen.insert(format!("{name}/")) {
            zip.add_directory(format!("{name}/"), options(&meta))
                .map_err(io::Error::other)?;
        }
        let mut entries: Vec<_> = std::fs::read_dir(disk)?
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        entries.sort();
        for e in entries {
            let child = if name.is_empty() {
                e.clone()
            } else {
                format!("{name}/{e}")
            };
            add(zip, root, &disk.join(&e), &child, seen)?;
        }
        return Ok(());
    }
    // Only regular files are opened (opening a FIFO would block).
    let opened = std::fs::metadata(disk).and_then(|m| {
        if !m.is_file() {
            return Ok(None);
        }
        Ok(Some((m, std::fs::File::open(disk)?)))
    });
    let (meta, mut file) = match opened {
        Ok(Some(o)) => o,
        Ok(None) => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if !seen.insert(name.to_owned()) {
        return Ok(());
    }
    let opts = options(&meta)
        .compression_method(CompressionMethod::Deflated)
        .large_file(meta.len() >= u64::from(u32::MAX));
    zip.start_file(name, opts).map_err(io::Error::other)?;
    let mut buf = vec![0; CHUNK];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        zip.write_all(&buf[..n])?;
    }
    Ok(())
}

/// Whether `name` is an entry name no extractor can take out of its target directory:
/// relative, `/`-separated, without a backslash (a separator on Windows) and without an
/// empty, `.` or `..` component.
pub fn safe_entry_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.contains('\\')
        && name.split('/').all(|c| !matches!(c, "" | "." | ".."))
}

fn options(meta: &std::fs::Metadata) -> SimpleFileOptions {
    let opts = SimpleFileOptions::default();
    match meta.modified().ok().and_then(zip_time) {
        Some(t) => opts.last_modified_time(t),
        None => opts,
    }
}

fn zip_time(t: std::time::SystemTime) -> Option<zip::DateTime> {
    use chrono::{Datelike, Timelike};
    let t = chrono::DateTime::<chrono::Utc>::from(t).naive_utc();
    zip::DateTime::from_date_and_time(
        u16::try_from(t.year()).ok()?,
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
    )
    .ok()
}

/// A blocking `Write` that hands chunks to the async response body.
struct ChannelWriter {
    tx: mpsc::Sender<io::Result<Bytes>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn new(tx: mpsc::Sender<io::Result<Bytes>>) -> Self {
        Self {
            tx,
            buf: Vec::with_capacity(CHUNK),
        }
    }

    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

#[cfg(test)]
mod tests {
    use super::safe_entry_name;

    #[test]
    fn unsafe_entry_names_are_recognised() {
        for ok in ["a", "a/b.txt", "dir/sub/.hidden", "a..b", "C:/x"] {
            assert!(safe_entry_name(ok), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "..",
            "a/../b",
            "./a",
            "a//b",
            "..\\..\\Windows",
        ] {
            assert!(!safe_entry_name(bad), "{bad:?}");
        }
    }
}

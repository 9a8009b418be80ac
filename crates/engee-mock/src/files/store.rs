//! Where each user's `/user` tree lives on disk, and the path rules that confine every
//! access to it. Plain domain code, no HTTP.
//!
//! Path rules (MOCK-DEFINED where the documentation is silent):
//!
//! - A path given to the API is a Julia path and must be absolute (`/user/...`); a relative
//!   path is a malformed request (400), and so are an empty path, one containing NUL, one
//!   containing a backslash (a zip-slip path for Windows extractors) and one with a name
//!   longer than [`MAX_NAME_BYTES`] (the limit of every common file system).
//! - `.`, `..` and repeated slashes are normalised lexically *before* the `/user` check, so
//!   `/user/../etc` is `/etc` and is refused (403); `..` at `/` stays at `/`.
//! - `/user/a/b` maps to `<root>/<license>-<nickname>/a/b`; symbolic links are never followed
//!   out of that directory (checked on the canonical path).
//! - A name that exists already gets a suffix before its extension: `name_1.ext`,
//!   `name_2.ext`, … (`archive.tar.gz` → `archive.tar_1.gz`, `.bashrc` → `.bashrc_1`).

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use mock_kit::Clock;

/// The directory under the store's root where uploads are staged before they are moved
/// into a user's tree.
const STAGING_DIR: &str = ".staging";
/// The directory under the store's root that holds one `/user` tree per user.
const USERS_DIR: &str = "users";
/// The marker file that makes a directory an engee-mock data directory.
pub const MARKER: &str = ".engee-mock";
/// The marker's content: its second line is the layout version.
const MARKER_TEXT: &str = "engee-mock data directory: do not put other files here\nlayout 1\n";
/// The longest name (one path component) in bytes, as on ext4, XFS, APFS and NTFS.
pub const MAX_NAME_BYTES: usize = 255;

/// A path inside `/user`, normalised: its components below `/user` (empty for `/user`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UserPath {
    parts: Vec<String>,
}

/// Why a path was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathError {
    /// Not a usable path at all (empty, relative, NUL byte): a malformed request.
    Malformed(String),
    /// A well-formed path that is not inside `/user`.
    Outside(String),
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(m) | Self::Outside(m) => f.write_str(m),
        }
    }
}

impl UserPath {
    /// `/user` itself.
    pub fn root() -> Self {
        Self { parts: Vec::new() }
    }

    /// Parses an absolute Julia path and confines it to `/user` (see the module docs).
    pub fn parse(path: &str) -> Result<Self, PathError> {
        if path.is_empty() {
            return Err(PathError::Malformed("an empty path".into()));
        }
        if path.contains('\0') {
            return Err(PathError::Malformed(format!(
                "the path {path:?} contains a NUL byte"
            )));
        }
        if !path.starts_with('/') {
            return Err(PathError::Malformed(format!(
                "the path {path:?} is relative; give an absolute path under /user, e.g. \"/user/{path}\""
            )));
        }
        if path.contains('\\') {
            return Err(PathError::Malformed(format!(
                "the path {path:?} contains a backslash; separate directories with `/` \
                 (a backslash is not allowed in a name)"
            )));
        }
        let mut parts: Vec<&str> = Vec::new();
        for c in path.split('/') {
            match c {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                c if c.len() > MAX_NAME_BYTES => {
                    return Err(PathError::Malformed(format!(
                        "the name {c:?} in the path is {} bytes long; the limit is \
                         {MAX_NAME_BYTES} bytes",
                        c.len()
                    )));
                }
                c => parts.push(c),
            }
        }
        if parts.first() != Some(&"user") {
            let normal = format!("/{}", parts.join("/"));
            return Err(PathError::Outside(format!(
                "the path {path:?} (normalised: {normal:?}) is outside /user"
            )));
        }
        Ok(Self {
            parts: parts[1..].iter().map(|s| (*s).to_owned()).collect(),
        })
    }

    /// Like [`UserPath::parse`], but a relative path is taken relative to `/user` (Julia's
    /// working directory on an Engee server). For the evaluator.
    pub fn parse_from_cwd(path: &str) -> Result<Self, PathError> {
        if !path.is_empty() && !path.starts_with('/') {
            return Self::parse(&format!("/user/{path}"));
        }
        Self::parse(path)
    }

    /// The components below `/user`.
    pub fn parts(&self) -> &[String] {
        &self.parts
    }

    pub fn is_root(&self) -> bool {
        self.parts.is_empty()
    }

    /// The last component (`None` for `/user`).
    pub fn file_name(&self) -> Option<&str> {
        self.parts.last().map(String::as_str)
    }

    /// This path with one more component. `name` must be a single component.
    pub fn join(&self, name: &str) -> Self {
        let mut parts = self.parts.clone();
        parts.push(name.to_owned());
        Self { parts }
    }

    /// The path relative to `/user` (`a/b`; empty for `/user`), as used for ZIP entries.
    pub fn relative(&self) -> String {
        self.parts.join("/")
    }

    /// Where this path lives under a user's root directory.
    pub fn on_disk(&self, user_root: &Path) -> PathBuf {
        let mut p = user_root.to_path_buf();
        p.extend(&self.parts);
        p
    }
}

impl fmt::Display for UserPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("/user")?;
        for p in &self.parts {
            write!(f, "/{p}")?;
        }
        Ok(())
    }
}

/// The base name of an uploaded part's filename: whatever follows the last `/` or `\`
/// (browsers on Windows send full paths). `None` when nothing usable is left.
pub fn upload_base_name(filename: &str) -> Option<&str> {
    let base = filename.rsplit(['/', '\\']).next().unwrap_or_default();
    match base {
        "" | "." | ".." => None,
        b if b.contains('\0') => None,
        b => Some(b),
    }
}

/// `name` with suffix `n`: `name_n.ext` (before the last extension).
pub fn suffixed(name: &str, n: u64) -> String {
    let p = Path::new(name);
    match (
        p.file_stem().and_then(OsStr::to_str),
        p.extension().and_then(OsStr::to_str),
    ) {
        (Some(stem), Some(ext)) => format!("{stem}_{n}.{ext}"),
        _ => format!("{name}_{n}"),
    }
}

/// The first of `name`, `name_1.ext`, `name_2.ext`, … that neither exists in `dir` nor is
/// in `taken`.
pub fn unique_name(dir: &Path, name: &str, taken: &HashSet<String>) -> String {
    let free = |n: &str| !taken.contains(n) && std::fs::symlink_metadata(dir.join(n)).is_err();
    if free(name) {
        return name.to_owned();
    }
    (1..)
        .map(|n| suffixed(name, n))
        .find(|n| free(n))
        .expect("some suffix is free")
}

/// Whether `path` resolves (following symlinks) to somewhere inside `root`. `path` must
/// exist. Both are canonicalised.
pub fn resolves_inside(root: &Path, path: &Path) -> io::Result<bool> {
    let root = root.canonicalize()?;
    Ok(path.canonicalize()?.starts_with(root))
}

/// All users' `/user` trees under one data directory. The layout (MOCK-DEFINED, see the
/// README):
///
/// ```text
/// D/.engee-mock          marker: says D is the mock's, and which layout it has
/// D/users/<prefix>/      /user of the user at /prod/user/<prefix>/ (e.g. personal-demo)
/// D/.staging/            uploads being received
/// ```
///
/// The mock only ever deletes inside `D/users/` and `D/.staging/`; anything else in `D`
/// is never touched.
#[derive(Clone)]
pub struct FileStore {
    root: Arc<PathBuf>,
    /// What files and folders the mock writes are dated on (see [`FileStore::stamp`]).
    clock: Clock,
    /// Keeps a temporary root alive for as long as the store exists.
    _temp: Option<Arc<tempfile::TempDir>>,
}

impl FileStore {
    /// A store in data directory `dir` (kept across restarts). A missing or empty
    /// directory is initialised; a non-empty one without the marker is refused, so a
    /// reset can never delete files the mock did not create.
    pub fn at(dir: PathBuf) -> io::Result<Self> {
        Self::claim(&dir)?;
        std::fs::create_dir_all(dir.join(USERS_DIR))?;
        // Leftovers of a process that died mid-upload.
        let _ = std::fs::remove_dir_all(dir.join(STAGING_DIR));
        Ok(Self {
            root: Arc::new(dir),
            clock: Clock::system(),
            _temp: None,
        })
    }

    /// Dates what the mock writes on `clock` (the mock's own) instead of the system clock.
    pub fn with_clock(self, clock: Clock) -> Self {
        Self { clock, ..self }
    }

    /// Sets the modification time of each path (files the mock just wrote, folders it
    /// created or added to) to the mock's clock: a ZIP download dates its entries with
    /// these times, so on a frozen clock the same uploads give the same ZIP, byte for
    /// byte. Best effort: a path that cannot be stamped keeps the system's time.
    pub(crate) fn stamp<'a>(&self, paths: impl IntoIterator<Item = &'a Path>) {
        let at = std::time::SystemTime::from(self.clock.now());
        for path in paths {
            // Opened read-only: setting explicit times needs ownership, not write access,
            // and a folder cannot be opened for writing.
            if let Err(e) = std::fs::File::open(path).and_then(|f| f.set_modified(at)) {
                tracing::debug!(path = %path.display(), error = %e, "cannot date on the mock clock");
            }
        }
    }

    /// Checks that `dir` is an engee-mock data directory, making it one if it is missing
    /// or empty.
    fn claim(dir: &Path) -> io::Result<()> {
        let refuse = |why: String| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("data directory {}: {why}", dir.display()),
            )
        };
        match std::fs::read_to_string(dir.join(MARKER)) {
            Ok(text) if text == MARKER_TEXT => return Ok(()),
            Ok(text) => {
                let layout = text.lines().nth(1).unwrap_or("(none)");
                return Err(refuse(format!(
                    "its {MARKER} marker names an unknown layout ({layout:?}; this mock \
                     writes \"layout 1\"); use another directory"
                )));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(refuse(format!(
                    "cannot read its {MARKER} marker: {e}; give a new or empty directory this \
                     user can write"
                )));
            }
        }
        match std::fs::read_dir(dir) {
            Ok(mut entries) => {
                if entries.next().is_some() {
                    return Err(refuse(format!(
                        "it is not empty and has no {MARKER} marker, so it is not an \
                         engee-mock data directory; the mock refuses to use it (a reset \
                         would delete what is in it). Give a new or empty directory"
                    )));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => std::fs::create_dir_all(dir)?,
            Err(e) => {
                return Err(refuse(format!(
                    "{e}; give a new or empty directory this user can write"
                )));
            }
        }
        std::fs::write(dir.join(MARKER), MARKER_TEXT)
    }

    /// A store in a fresh temporary directory, removed when the last handle goes.
    pub fn temporary() -> io::Result<Self> {
        let temp = tempfile::Builder::new().prefix("engee-mock-").tempdir()?;
        let store = Self::at(temp.path().to_owned())?;
        Ok(Self {
            _temp: Some(Arc::new(temp)),
            ..store
        })
    }

    /// The directory that is `/user` for the user with this prefix.
    pub fn user_root(&self, prefix: &str) -> PathBuf {
        self.root.join(USERS_DIR).join(prefix)
    }

    /// The user's root, created if missing.
    pub fn ensure_user_root(&self, prefix: &str) -> io::Result<PathBuf> {
        let root = self.user_root(prefix);
        create_dirs(&root)?;
        Ok(root)
    }

    /// Where uploads are staged (inside the store, on the same file system as every user's
    /// tree, so moving a staged file into place is an atomic rename). Created if missing.
    pub fn staging_dir(&self) -> io::Result<PathBuf> {
        let dir = self.root.join(STAGING_DIR);
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    /// A new temporary file in the staging directory, deleted when dropped unless persisted.
    pub fn staged_file(&self) -> io::Result<tempfile::NamedTempFile> {
        tempfile::Builder::new()
            .prefix(".upload-")
            .tempfile_in(self.staging_dir()?)
    }

    /// Empties every user's tree: removes what is in `D/users/` and nothing else.
    pub fn clear(&self) {
        if let Ok(entries) = std::fs::read_dir(self.root.join(USERS_DIR)) {
            for e in entries.flatten() {
                // Never follows a symbolic link: a link is removed, not its target.
                if std::fs::remove_dir_all(e.path()).is_err() {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }

    /// Resolves an existing `/user` path to its file on disk, refusing symlinks that lead
    /// out of the user's tree.
    pub fn existing(&self, prefix: &str, path: &UserPath) -> Result<PathBuf, ExistingError> {
        let root = self.user_root(prefix);
        let disk = path.on_disk(&root);
        if std::fs::symlink_metadata(&disk).is_err() {
            return Err(ExistingError::Missing);
        }
        match resolves_inside(&root, &disk) {
            Ok(true) => Ok(disk),
            Ok(false) => Err(ExistingError::Escapes),
            // A dangling symlink.
            Err(_) => Err(ExistingError::Missing),
        }
    }

    /// Reads `/user/...` for the evaluator. A relative path is relative to `/user`.
    /// Errors are worded like Julia's `SystemError` texts without the `SystemError: ` prefix.
    pub fn read_file(&self, prefix: &str, path: &str) -> Result<Vec<u8>, String> {
        let up = evaluator_path(path)?;
        let disk = match self.existing(prefix, &up) {
            Ok(d) => d,
            Err(ExistingError::Missing) => {
                return Err(format!("opening file {path:?}: No such file or directory"));
            }
            Err(ExistingError::Escapes) => {
                return Err(format!("opening file {path:?}: Permission denied"));
            }
        };
        if disk.is_dir() {
            return Err(format!("opening file {path:?}: Is a directory"));
        }
        std::fs::read(&disk).map_err(|e| format!("opening file {path:?}: {}", io_text(&e)))
    }

    /// Writes `/user/...` for the evaluator, replacing an existing file atomically (a
    /// reader sees the old or the new content, never a part). Like Julia's `write`, the
    /// parent directory must exist. A relative path is relative to `/user`.
    pub fn write_file(&self, prefix: &str, path: &str, data: &[u8]) -> Result<(), String> {
        let up = evaluator_path(path)?;
        let fail = |what: &str| format!("opening file {path:?}: {what}");
        let Some(name) = up.file_name().map(str::to_owned) else {
            return Err(fail("Is a directory"));
        };
        let root = self
            .ensure_user_root(prefix)
            .map_err(|e| fail(&io_text(&e)))?;
        let parent_path = UserPath {
            parts: up.parts[..up.parts.len() - 1].to_vec(),
        };
        let parent = match self.existing(prefix, &parent_path) {
            Ok(p) if p.is_dir() => p,
            Ok(_) => return Err(fail("Not a directory")),
            Err(ExistingError::Missing) => return Err(fail("No such file or directory")),
            Err(ExistingError::Escapes) => return Err(fail("Permission denied")),
        };
        let target = parent.join(&name);
        if let Ok(meta) = std::fs::symlink_metadata(&target) {
            if meta.is_dir() {
                return Err(fail("Is a directory"));
            }
            if meta.file_type().is_symlink() {
                // Never write through a link: refuse if it leads out of the tree.
                if !resolves_inside(&root, &target).unwrap_or(false) {
                    return Err(fail("Permission denied"));
                }
            }
        }
        let mut temp = self.staged_file().map_err(|e| fail(&io_text(&e)))?;
        temp.write_all(data)
            .and_then(|()| set_file_mode(temp.as_file()))
            .and_then(|()| temp.as_file().sync_data())
            .map_err(|e| fail(&io_text(&e)))?;
        temp.persist(&target)
            .map_err(|e| fail(&io_text(&e.error)))?;
        self.stamp([target.as_path(), parent.as_path()]);
        Ok(())
    }
}

impl FileStore {
    /// Why a seed may not write `path` for the user at `prefix`, if it may not: a folder
    /// is there, or something on the way is not a folder. Checked before a seed applies
    /// anything, so the writes cannot fail on the tree's shape.
    pub(crate) fn seed_conflict(&self, prefix: &str, path: &UserPath) -> Option<String> {
        let mut disk = self.user_root(prefix);
        for (i, part) in path.parts().iter().enumerate() {
            disk.push(part);
            let last = i + 1 == path.parts().len();
            match std::fs::symlink_metadata(&disk) {
                Err(_) => return None,
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Some(format!(
                        "{} is a symbolic link in the user's tree; seed another path",
                        shown(path, i)
                    ));
                }
                Ok(meta) if last && meta.is_dir() => {
                    return Some(format!(
                        "{path} is a folder; a seeded file cannot replace it"
                    ));
                }
                Ok(meta) if !last && !meta.is_dir() => {
                    return Some(format!(
                        "{} is a file, so {path} cannot be created below it",
                        shown(path, i)
                    ));
                }
                Ok(_) => {}
            }
        }
        None
    }

    /// Writes a seeded file, creating its folders and replacing a file of that name (as
    /// an upload with the same name would not: a seed states what is there).
    pub(crate) fn put(&self, prefix: &str, path: &UserPath, data: &[u8]) -> io::Result<()> {
        let target = path.on_disk(&self.user_root(prefix));
        let parent = target.parent().expect("a seeded path names a file");
        create_dirs(parent)?;
        let mut temp = self.staged_file()?;
        temp.write_all(data)?;
        set_file_mode(temp.as_file())?;
        temp.persist(&target).map_err(|e| e.error)?;
        self.stamp([target.as_path(), parent]);
        Ok(())
    }

    /// Every file in the user's tree with its content, by path (symbolic links and empty
    /// folders are not listed): what `GET /__admin/state` reports.
    pub(crate) fn files_of(&self, prefix: &str) -> io::Result<Vec<(UserPath, Vec<u8>)>> {
        let mut found = Vec::new();
        let mut todo = vec![UserPath::root()];
        let root = self.user_root(prefix);
        while let Some(dir) = todo.pop() {
            let entries = match std::fs::read_dir(dir.on_disk(&root)) {
                Ok(e) => e,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            for entry in entries {
                let entry = entry?;
                let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                    continue;
                };
                let kind = entry.file_type()?;
                let path = dir.join(&name);
                if kind.is_dir() {
                    todo.push(path);
                } else if kind.is_file() {
                    let data = std::fs::read(entry.path())?;
                    found.push((path, data));
                }
            }
        }
        found.sort_by(|a, b| a.0.parts().cmp(b.0.parts()));
        Ok(found)
    }
}

/// `/user/` and the first `n + 1` components of `path`.
fn shown(path: &UserPath, n: usize) -> String {
    format!("/user/{}", path.parts()[..=n].join("/"))
}

/// The mode of every file the mock stores (MOCK-DEFINED; an Engee server's files are
/// world-readable too), whatever the process's umask.
pub const FILE_MODE: u32 = 0o644;
/// The mode of every directory the mock creates.
pub const DIR_MODE: u32 = 0o755;

/// Gives a stored file [`FILE_MODE`].
pub fn set_file_mode(file: &std::fs::File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// Creates one directory with [`DIR_MODE`]. `Ok(false)` when something exists there
/// already (the caller checks what).
pub fn make_dir(dir: &Path) -> io::Result<bool> {
    match std::fs::create_dir(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(false),
        Err(e) => return Err(e),
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE))?;
    }
    Ok(true)
}

/// Creates `dir` and its missing parents, each with [`DIR_MODE`].
pub fn create_dirs(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dirs(parent)?;
    }
    make_dir(dir).map(|_| ())
}

/// Why [`FileStore::existing`] refused a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExistingError {
    Missing,
    /// A symlink leads out of the user's tree.
    Escapes,
}

/// The evaluator's paths follow the API's rules; a refusal is worded like the C library's
/// error for it (a backslash gets `Invalid argument`: the mock never stores such a name).
fn evaluator_path(path: &str) -> Result<UserPath, String> {
    UserPath::parse_from_cwd(path).map_err(|e| {
        let why = match e {
            PathError::Malformed(_) if path.is_empty() => "No such file or directory",
            PathError::Malformed(_) if path.split('/').any(|c| c.len() > MAX_NAME_BYTES) => {
                "File name too long"
            }
            PathError::Malformed(_) => "Invalid argument",
            PathError::Outside(_) => "Permission denied",
        };
        format!("opening file {path:?}: {why}")
    })
}

/// An I/O error as the C library words it (`No such file or directory`), without Rust's
/// ` (os error N)` suffix.
fn io_text(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(p: &str) -> String {
        UserPath::parse(p).unwrap().to_string()
    }

    #[test]
    fn normalises_before_the_user_check() {
        assert_eq!(ok("/user"), "/user");
        assert_eq!(ok("/user/"), "/user");
        assert_eq!(ok("//user///a//b/"), "/user/a/b");
        assert_eq!(ok("/user/./a/./b"), "/user/a/b");
        assert_eq!(ok("/user/a/../b"), "/user/b");
        assert_eq!(ok("/../user/a"), "/user/a");
        assert_eq!(ok("/x/../user/a"), "/user/a");
        assert_eq!(ok("/user/a/b/../../c"), "/user/c");
        assert_eq!(ok("/user/a/.."), "/user");
    }

    #[test]
    fn refuses_paths_outside_user() {
        for p in [
            "/user/../etc",
            "/etc",
            "/",
            "/user/..",
            "/userx",
            "/users/a",
            "/user/a/../../etc/passwd",
            "/User/a",
        ] {
            assert!(
                matches!(UserPath::parse(p), Err(PathError::Outside(_))),
                "{p}"
            );
        }
    }

    #[test]
    fn refuses_malformed_paths() {
        for p in ["", "user/x", "x", "./user", "/user/a\0b"] {
            assert!(
                matches!(UserPath::parse(p), Err(PathError::Malformed(_))),
                "{p:?}"
            );
        }
    }

    #[test]
    fn evaluator_paths_are_relative_to_user() {
        assert_eq!(
            UserPath::parse_from_cwd("a/b.txt").unwrap().to_string(),
            "/user/a/b.txt"
        );
        assert!(matches!(
            UserPath::parse_from_cwd("../etc"),
            Err(PathError::Outside(_))
        ));
    }

    #[test]
    fn maps_to_the_user_root() {
        let root = Path::new("/data/personal-demo");
        assert_eq!(
            UserPath::parse("/user/a/b").unwrap().on_disk(root),
            Path::new("/data/personal-demo/a/b")
        );
        assert_eq!(UserPath::root().on_disk(root), root);
        assert_eq!(UserPath::parse("/user/a/b").unwrap().relative(), "a/b");
    }

    #[test]
    fn upload_names_lose_their_directories() {
        assert_eq!(upload_base_name("2.png"), Some("2.png"));
        assert_eq!(upload_base_name("../../etc/passwd"), Some("passwd"));
        assert_eq!(upload_base_name("C:\\Users\\me\\a.txt"), Some("a.txt"));
        assert_eq!(upload_base_name("dir/"), None);
        assert_eq!(upload_base_name(""), None);
        assert_eq!(upload_base_name(".."), None);
        assert_eq!(upload_base_name("a/.."), None);
        assert_eq!(upload_base_name("a\0b"), None);
    }

    #[test]
    fn suffixes_go_before_the_extension() {
        assert_eq!(suffixed("2.png", 1), "2_1.png");
        assert_eq!(suffixed("archive.tar.gz", 2), "archive.tar_2.gz");
        assert_eq!(suffixed("README", 1), "README_1");
        assert_eq!(suffixed(".bashrc", 3), ".bashrc_3");
    }

    #[test]
    fn unique_names_skip_existing_and_taken() {
        let dir = tempfile::tempdir().unwrap();
        let taken = HashSet::new();
        assert_eq!(unique_name(dir.path(), "a.txt", &taken), "a.txt");
        std::fs::write(dir.path().join("a.txt"), b"x").unwrap();
        assert_eq!(unique_name(dir.path(), "a.txt", &taken), "a_1.txt");
        let taken: HashSet<String> = ["a_1.txt".to_owned()].into();
        assert_eq!(unique_name(dir.path(), "a.txt", &taken), "a_2.txt");
    }

    #[test]
    fn evaluator_reads_and_writes_atomically() {
        let store = FileStore::temporary().unwrap();
        store.write_file("p-u", "/user/a.txt", b"one").unwrap();
        assert_eq!(store.read_file("p-u", "a.txt").unwrap(), b"one");
        store.write_file("p-u", "a.txt", b"two").unwrap();
        assert_eq!(store.read_file("p-u", "/user/a.txt").unwrap(), b"two");
        let err = store.write_file("p-u", "/user/no/a.txt", b"x").unwrap_err();
        assert!(err.contains("No such file or directory"), "{err}");
        let err = store.read_file("p-u", "/user/missing").unwrap_err();
        assert!(err.contains("No such file or directory"), "{err}");
        let err = store.read_file("p-u", "/etc/passwd").unwrap_err();
        assert!(err.contains("Permission denied"), "{err}");
        let err = store.write_file("p-u", "/user", b"x").unwrap_err();
        assert!(err.contains("Is a directory"), "{err}");
        // No staged leftovers.
        let staged = std::fs::read_dir(store.staging_dir().unwrap())
            .unwrap()
            .count();
        assert_eq!(staged, 0);
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_tree_are_refused() {
        let store = FileStore::temporary().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), b"s").unwrap();
        let root = store.ensure_user_root("p-u").unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("link")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), root.join("s")).unwrap();
        let p = UserPath::parse("/user/link/secret").unwrap();
        assert_eq!(store.existing("p-u", &p), Err(ExistingError::Escapes));
        let p = UserPath::parse("/user/s").unwrap();
        assert_eq!(store.existing("p-u", &p), Err(ExistingError::Escapes));
        assert!(store.read_file("p-u", "/user/s").is_err());
        assert!(store.write_file("p-u", "/user/s", b"x").is_err());
        assert!(store.write_file("p-u", "/user/link/new", b"x").is_err());
        assert_eq!(std::fs::read(outside.path().join("secret")).unwrap(), b"s");
    }
}

//! Where uploads wait to be consumed: a folder per session under one root, named
//! `PID-N-SOCKET`. A session removes its folder when it ends (whatever ended it: the client left,
//! the view crashed, the server shut down); at startup the endpoint removes the folders of
//! processes that no longer run (a crash or a kill left them).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The default root: `zero-live-uploads` in the system's temporary folder.
pub(crate) fn default_root() -> PathBuf {
    std::env::temp_dir().join("zero-live-uploads")
}

/// A session's upload folder, created when its first file arrives and removed when dropped.
#[derive(Debug)]
pub(crate) struct Spool {
    root: PathBuf,
    dir: PathBuf,
    /// Whether a resumable file was made or resumed here: the session's end then sweeps the
    /// expired ones.
    pub(crate) resumable: bool,
    created: bool,
    /// Bytes its files hold (each file takes its share back when removed or consumed).
    held: Arc<AtomicU64>,
}

impl Spool {
    /// A new session's folder under `root` (not yet created), `PID-N` with `N` unique in the
    /// process: several endpoints of one process (tests, an admin endpoint) never share one.
    /// `socket` is the session's socket, named in the folder for whoever looks.
    pub(crate) fn new(root: &Path, socket: u64) -> Spool {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Spool {
            root: root.to_path_buf(),
            resumable: false,
            dir: root.join(format!("{}-{n}-{socket}", std::process::id())),
            created: false,
            held: Arc::default(),
        }
    }

    /// The upload root (resumable files are in its `resume` folder).
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// Bytes the session's files hold now.
    #[cfg(test)]
    pub(crate) fn held(&self) -> u64 {
        self.held.load(Ordering::Relaxed)
    }

    /// The counter a file adds its bytes to.
    pub(crate) fn counter(&self) -> Arc<AtomicU64> {
        self.held.clone()
    }

    /// A path for the file of entry number `n`, creating the folder if it has to. The folder
    /// is created anew, readable by this user only: one that exists already (another user's
    /// folder or link at a name they guessed) fails the upload rather than receive it.
    pub(crate) fn file(&mut self, n: u64) -> std::io::Result<PathBuf> {
        if !self.created {
            if let Some(root) = self.dir.parent() {
                std::fs::create_dir_all(root)?;
            }
            let mut folder = std::fs::DirBuilder::new();
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut folder, 0o700);
            folder.create(&self.dir)?;
            self.created = true;
        }
        Ok(self.dir.join(format!("entry-{n}")))
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        if self.created {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        if self.resumable {
            super::resume::sweep(&self.root);
        }
    }
}

/// Removes the folders under `root` left by processes that no longer run, and the resumable
/// files that expired. Returns how many. Folders of running processes (another app on the
/// machine, or this one) are kept.
pub(crate) fn sweep(root: &Path) -> usize {
    folders(root) + super::resume::sweep(root)
}

fn folders(root: &Path) -> usize {
    let Ok(dirs) = std::fs::read_dir(root) else { return 0 };
    let mut removed = 0;
    for dir in dirs.flatten() {
        let name = dir.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.split_once('-')).map(|(pid, _)| pid) else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if !running(pid) && std::fs::remove_dir_all(dir.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Whether process `pid` runs (on systems without `/proc`, every process is taken to run, so
/// nothing is removed that might be in use).
fn running(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_folder_exists_from_its_first_file_until_the_session_ends() {
        let root = tempfile::tempdir().unwrap();
        let mut spool = Spool::new(root.path(), 7);
        let dir = spool.dir.clone();
        assert!(!dir.exists(), "nothing is created before a file arrives");
        let file = spool.file(0).unwrap();
        std::fs::write(&file, b"x").unwrap();
        assert!(dir.is_dir());
        drop(spool);
        assert!(!dir.exists(), "the folder goes with the session");
    }

    #[test]
    fn a_folder_someone_made_first_fails_the_upload_instead_of_receiving_it() {
        let root = tempfile::tempdir().unwrap();
        let mut spool = Spool::new(root.path(), 9);
        let elsewhere = tempfile::tempdir().unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(elsewhere.path(), &spool.dir).unwrap();
        #[cfg(not(unix))]
        std::fs::create_dir(&spool.dir).unwrap();
        let refused = spool.file(0).unwrap_err();
        assert_eq!(refused.kind(), std::io::ErrorKind::AlreadyExists);
        drop(spool);
        assert_eq!(
            std::fs::read_dir(elsewhere.path()).unwrap().count(),
            0,
            "nothing written there"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_session_folder_is_its_users_alone() {
        use std::os::unix::fs::PermissionsExt as _;
        let root = tempfile::tempdir().unwrap();
        let mut spool = Spool::new(root.path(), 10);
        spool.file(0).unwrap();
        let mode = std::fs::metadata(&spool.dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[test]
    fn the_sweep_removes_folders_of_dead_processes_only() {
        let root = tempfile::tempdir().unwrap();
        // No process has a pid this large on Linux (pid_max is at most 2^22).
        let dead = root.path().join("4294967-3");
        let ours = root.path().join(format!("{}-1", std::process::id()));
        let other = root.path().join("not-a-session");
        for d in [&dead, &ours, &other] {
            std::fs::create_dir_all(d).unwrap();
        }
        assert_eq!(sweep(root.path()), 1);
        assert!(!dead.exists());
        assert!(ours.exists() && other.exists());
        assert_eq!(sweep(&root.path().join("missing")), 0);
    }
}

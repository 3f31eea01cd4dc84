//! Writing files so that a failure never leaves half of one: write a
//! temporary file in the same directory, then rename it over the target
//! (rename is atomic on one file system).  And Helm's `repositories.lock`.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::http::gostd_io;

/// Writes `data` to `path` atomically with permission bits `mode`,
/// creating parent directories (0755) as Helm does.
pub fn write_atomic(path: &Path, data: &[u8], mode: u32) -> Result<(), Error> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("mkdir {}: {}", dir.display(), gostd_io(&e))))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".capstan-")
        .tempfile_in(dir)
        .map_err(|e| Error::io(format!("open {}: {}", path.display(), gostd_io(&e))))?;
    tmp.write_all(data)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| Error::io(format!("write {}: {}", path.display(), gostd_io(&e))))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.persist(path)
        .map_err(|e| Error::io(format!("rename {}: {}", path.display(), gostd_io(&e.error))))?;
    Ok(())
}

/// An exclusive lock on `PATH` with its extension replaced by `.lock`
/// (Helm's `repositories.lock`), held until dropped.  Helm waits up to 30 s.
pub struct FileLock {
    _file: std::fs::File,
    pub path: PathBuf,
}

impl FileLock {
    pub fn acquire(target: &Path) -> Result<FileLock, Error> {
        let path = target.with_extension("lock");
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(format!("open {}: {}", path.display(), gostd_io(&e))))?;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            match fs4::fs_std::FileExt::try_lock_exclusive(&file) {
                Ok(true) => break,
                Ok(false) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(50))
                }
                _ => {
                    return Err(Error::io(format!(
                        "timed out waiting for the lock {}",
                        path.display()
                    )))
                }
            }
        }
        Ok(FileLock { _file: file, path })
    }
}

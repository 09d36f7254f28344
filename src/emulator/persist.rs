//! The optional state file: loaded on start, rewritten atomically after every change.
//!
//! A write goes to a temporary file in the same directory, is flushed to disk and then renamed
//! over the state file. A rename within one file system replaces the file in one step, so a
//! killed emulator leaves either the old file or the new one, never a torn mix.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::state::Snapshot;

/// A failure to read or write the state file.
#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    /// The file could not be read.
    #[error("failed to read state file {path}")]
    Read {
        /// The state file.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: io::Error,
    },
    /// The file contains something other than an emulator state.
    #[error("state file {path} is not a valid emulator state")]
    Parse {
        /// The state file.
        path: PathBuf,
        /// The JSON failure.
        #[source]
        source: serde_json::Error,
    },
    /// The file could not be written.
    #[error("failed to write state file {path}")]
    Write {
        /// The state file.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: io::Error,
    },
}

/// Loads the state file, or returns `None` when it does not exist yet.
///
/// # Errors
///
/// Returns [`PersistError`] when the file exists but cannot be read or parsed.
pub(crate) fn load(path: &Path) -> Result<Option<Snapshot>, PersistError> {
    let text = match fs::read(path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(PersistError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    serde_json::from_slice(&text)
        .map(Some)
        .map_err(|source| PersistError::Parse {
            path: path.to_path_buf(),
            source,
        })
}

/// Writes the state file atomically: temporary file, fsync, rename, then fsync of the directory.
///
/// # Errors
///
/// Returns [`PersistError::Write`] when any step fails. The temporary file is removed then.
pub(crate) fn save(path: &Path, snapshot: &Snapshot) -> Result<(), PersistError> {
    let wrap = |source| PersistError::Write {
        path: path.to_path_buf(),
        source,
    };
    let text =
        serde_json::to_vec_pretty(snapshot).map_err(|error| wrap(io::Error::other(error)))?;
    let temporary = temporary_path(path);
    let result = write_synced(&temporary, &text).and_then(|()| fs::rename(&temporary, path));
    if let Err(source) = result {
        // The temporary file may not exist if creating it failed, so a second error is expected.
        let _ = fs::remove_file(&temporary);
        return Err(wrap(source));
    }

    // Syncing the directory makes the rename itself durable. Some file systems do not allow
    // opening a directory for this, and the file content is already safe, so failure is ignored.
    if let Some(directory) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        if let Ok(handle) = File::open(directory) {
            let _ = handle.sync_all();
        }
    }
    Ok(())
}

fn write_synced(path: &Path, text: &[u8]) -> io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(text)?;
    file.sync_all()
}

/// Names a temporary file next to the state file, unique per process and per write.
fn temporary_path(path: &Path) -> PathBuf {
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let sequence = WRITES.fetch_add(1, Ordering::Relaxed);
    let mut name = path
        .file_name()
        .map(|name| name.to_os_string())
        .unwrap_or_default();
    name.push(format!(".tmp-{}-{sequence}", std::process::id()));
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::state::Store;

    #[test]
    fn save_then_load_round_trips() {
        let directory = tempfile::tempdir().expect("temporary directory can be created");
        let path = directory.path().join("state.json");
        let store = Store::seeded();

        save(&path, &store.snapshot()).expect("state file can be written");
        let loaded = load(&path)
            .expect("state file can be read")
            .expect("state file exists");

        assert_eq!(loaded.next_rule_id, store.next_rule_id);
        assert_eq!(loaded.rules.len(), store.rules.len());
        assert_eq!(loaded.policies.len(), store.policies.len());
        let leftovers: Vec<_> = fs::read_dir(directory.path())
            .expect("directory can be listed")
            .filter_map(Result::ok)
            .filter(|entry| entry.file_name() != "state.json")
            .collect();
        assert!(
            leftovers.is_empty(),
            "temporary files left behind: {leftovers:?}"
        );
    }

    #[test]
    fn load_missing_file_is_none() {
        let directory = tempfile::tempdir().expect("temporary directory can be created");
        let loaded =
            load(&directory.path().join("absent.json")).expect("missing file is not an error");
        assert!(loaded.is_none());
    }

    #[test]
    fn load_rejects_torn_file() {
        let directory = tempfile::tempdir().expect("temporary directory can be created");
        let path = directory.path().join("state.json");
        fs::write(&path, b"{\"nextRuleID\": 10, \"rules\": [").expect("file can be written");
        assert!(matches!(load(&path), Err(PersistError::Parse { .. })));
    }
}

//! The blob store on a local disk: `uploads/<uuid>` → fsync → rename into
//! `blobs/sha256/<xx>/<digest>` → fsync of the directory, with every path built from the hex
//! digest only and confined to the canonical root (symlinks refused, O_NOFOLLOW opens).
//!
//! A root belongs to one server process: `LocalBlobStore::open` purges whatever an earlier
//! crash left in `uploads/`, which would also cut off another live process's uploads.
use super::{BlobInfo, BlobReader, BlobStore, CHUNK};
use crate::error::{Error, Result};
use crate::names::Sha256;
use crate::time::now_millis;
use bytes::Bytes;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::TryStreamExt as _;
use sha2::Digest as _;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

mod pipeline;
use pipeline::{Batch, Flusher, Jobs, Stage, SYNC_EVERY};

/// O_NOFOLLOW without the `libc` crate. The value differs per platform, so it is spelled out
/// only where known; elsewhere it is 0, and `create_new` (O_CREAT|O_EXCL) still refuses a
/// symlink planted at the temp path while reads rely on the directory confinement check.
#[cfg(unix)]
const O_NOFOLLOW: i32 = if !cfg!(target_os = "linux") {
    if cfg!(any(
        target_os = "macos",
        target_os = "freebsd",
        target_os = "openbsd"
    )) {
        0x100
    } else {
        0
    }
} else if cfg!(any(
    target_arch = "x86_64",
    target_arch = "x86",
    target_arch = "riscv64"
)) {
    0o400000
} else if cfg!(any(target_arch = "aarch64", target_arch = "arm")) {
    0o100000
} else {
    0
};

/// Blobs on a local disk under one root.
#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    /// Canonical: every path this store touches is checked to lie beneath it.
    root: PathBuf,
    blobs: PathBuf,
    uploads: PathBuf,
}

/// Logs the path and error for the operator; the client gets neither.
pub(super) fn io_err(op: &str, path: &Path, e: io::Error) -> Error {
    tracing::error!(path = %path.display(), error = %e, "blob store: {op} failed");
    Error::Internal(format!("blob store: {op} failed ({})", e.kind()))
}

fn escaped(path: &Path) -> Error {
    tracing::error!(path = %path.display(), "blob store: path escapes the store root (symlink?)");
    Error::Internal("blob store: a storage path escapes the store root".into())
}

/// Makes a rename or unlink durable: the directory entry lives in the directory's inode.
async fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        tokio::fs::File::open(dir).await?.sync_all().await
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Removes the temp file if the upload does not reach its commit, including when the future
/// is dropped mid-stream (a client disconnect). A plain unlink is quick enough for `Drop`.
struct TempGuard(Option<PathBuf>);

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            if let Err(e) = std::fs::remove_file(&path) {
                if e.kind() != io::ErrorKind::NotFound {
                    let path = path.display();
                    tracing::warn!(%path, error = %e, "blob store: temp file not removed");
                }
            }
        }
    }
}

/// Uploads in `uploads/` older than this are abandoned; opening a store removes them.
pub const STALE_UPLOAD_AGE: Duration = Duration::from_secs(6 * 3600);

pub(super) fn task_failed(e: tokio::task::JoinError) -> Error {
    tracing::error!(error = %e, "blob store: a blocking task failed");
    Error::Internal("blob store: a blocking task failed".into())
}

impl LocalBlobStore {
    /// Creates `<root>/blobs/sha256` and `<root>/uploads` if missing, canonicalizes root, and
    /// removes stale files left in uploads/ by an earlier crash.
    pub async fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root: PathBuf = root.into();
        for dir in [root.join("blobs").join("sha256"), root.join("uploads")] {
            tokio::fs::create_dir_all(&dir)
                .await
                .map_err(|e| io_err("create directory", &dir, e))?;
        }
        let root = tokio::fs::canonicalize(&root)
            .await
            .map_err(|e| io_err("canonicalize root", &root, e))?;
        let store = LocalBlobStore {
            blobs: root.join("blobs").join("sha256"),
            uploads: root.join("uploads"),
            root,
        };
        // Refuse to start on a symlinked blobs/ or uploads/: confinement checks would fail on
        // every request later, and a rename across file systems would not be atomic.
        for dir in [&store.blobs, &store.uploads] {
            let real = tokio::fs::canonicalize(dir)
                .await
                .map_err(|e| io_err("canonicalize", dir, e))?;
            if &real != dir {
                tracing::error!(path = %dir.display(), "blob store: directory is a symlink");
                return Err(Error::FailedPrecondition(
                    "blob store: blobs/ and uploads/ must be real directories under the store root"
                        .into(),
                ));
            }
        }
        // Only uploads older than any upload could take: another process (a running server
        // while `pedigree token` opens the same store) may be mid-upload right now.
        let purged = store.purge_stale_uploads(STALE_UPLOAD_AGE).await?;
        if purged > 0 {
            let root = store.root.display();
            tracing::info!(purged, %root, "blob store: removed stale uploads");
        }
        Ok(store)
    }

    /// The on-disk path of a digest (for tests/diagnostics). Built from the hex digest only.
    pub fn path_of(&self, digest: &Sha256) -> PathBuf {
        let hex = digest.to_hex();
        self.blobs.join(&hex[..2]).join(&hex)
    }

    /// Removes files in uploads/ older than `older_than` (all of them for `Duration::ZERO`).
    /// A periodic janitor passes a grace window longer than the longest upload.
    pub async fn purge_stale_uploads(&self, older_than: Duration) -> Result<usize> {
        let dir = &self.uploads;
        let mut entries = tokio::fs::read_dir(dir)
            .await
            .map_err(|e| io_err("list uploads", dir, e))?;
        let now = now_millis();
        let mut purged = 0;
        while let Some(entry) = entries
            .next_entry()
            .await
            .map_err(|e| io_err("list uploads", dir, e))?
        {
            let path = entry.path();
            let meta = match tokio::fs::symlink_metadata(&path).await {
                Ok(m) => m,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io_err("inspect upload", &path, e)),
            };
            if meta.is_dir() {
                let path = path.display();
                tracing::warn!(%path, "blob store: a directory in uploads/ is left alone");
                continue;
            }
            if !older_than.is_zero() {
                let modified = meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map_or(now, |d| d.as_millis() as i64);
                if now.saturating_sub(modified) < older_than.as_millis() as i64 {
                    continue;
                }
            }
            match tokio::fs::remove_file(&path).await {
                Ok(()) => purged += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err("remove stale upload", &path, e)),
            }
        }
        Ok(purged)
    }

    /// `path_of`, plus the symlink rule: the existing shard directory must canonicalize to
    /// exactly where it should be. `None` if the shard directory does not exist yet.
    async fn confined(&self, digest: &Sha256) -> Result<(PathBuf, Option<PathBuf>)> {
        let path = self.path_of(digest);
        let shard = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.blobs.clone());
        if !path.starts_with(&self.root) {
            return Err(escaped(&path));
        }
        match tokio::fs::canonicalize(&shard).await {
            Ok(real) if real == shard && real.starts_with(&self.root) => Ok((path, Some(real))),
            Ok(_) => Err(escaped(&shard)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok((path, None)),
            Err(e) => Err(io_err("canonicalize", &shard, e)),
        }
    }

    async fn put_impl(
        &self,
        mut chunks: BoxStream<'_, io::Result<Bytes>>,
        expected: Option<Sha256>,
    ) -> Result<BlobInfo> {
        let tmp = self.uploads.join(uuid::Uuid::new_v4().simple().to_string());
        let mut opts = tokio::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        opts.mode(0o600).custom_flags(O_NOFOLLOW);
        let file = opts
            .open(&tmp)
            .await
            .map_err(|e| io_err("create upload", &tmp, e))?;
        let mut guard = TempGuard(Some(tmp.clone()));

        // A two-stage pipeline: while the blocking pool hashes and writes one batch of the
        // client's chunks (two jobs, so with more than one core they run side by side), the
        // next batch arrives. The chunks are passed on as they came, not copied into a buffer;
        // big batches keep syscalls and wake-ups rare; memory stays at about two batches per
        // upload, and no blocking thread is held while a slow client sends.
        let file = file.into_std().await;
        let mut flusher = Flusher::new(&file).map_err(|e| io_err("dup upload", &tmp, e))?;
        let mut stage = Stage::Idle(file, sha2::Sha256::new());
        let (mut size, mut unsynced) = (0u64, 0u64);
        let mut end = false;
        while !end {
            let mut batch = Batch::default();
            while batch.len < CHUNK {
                match chunks.try_next().await {
                    Ok(Some(chunk)) => batch.push(chunk),
                    Ok(None) => {
                        end = true;
                        break;
                    }
                    Err(e) => return Err(reader_error(e)),
                }
            }
            let len = batch.len as u64;
            let (file, hasher) = stage.settle(&tmp).await?;
            stage = if len == 0 {
                Stage::Idle(file, hasher)
            } else {
                size += len;
                unsynced += len;
                if unsynced >= SYNC_EVERY && flusher.kick(&tmp).await? {
                    unsynced = 0;
                }
                Stage::Busy(Jobs::start(file, hasher, batch.finish()))
            };
        }
        let (file, hasher) = stage.settle(&tmp).await?;
        flusher.finish(&tmp).await?;
        drop(flusher);
        let digest = Sha256(hasher.finalize().into());
        if let Some(want) = expected {
            if want != digest {
                return Err(Error::InvalidArgument(format!(
                    "digest mismatch: expected sha256:{}, content hashes to sha256:{}",
                    want.to_hex(),
                    digest.to_hex()
                )));
            }
        }
        let path = tmp.clone();
        tokio::task::spawn_blocking(move || {
            make_read_only(&file).map_err(|e| io_err("chmod upload", &path, e))?;
            file.sync_all()
                .map_err(|e| io_err("fsync upload", &path, e))
        })
        .await
        .map_err(task_failed)??;

        let (dest, shard) = self.confined(&digest).await?;
        let shard = match shard {
            Some(shard) => shard,
            None => {
                let shard = dest
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| self.blobs.clone());
                tokio::fs::create_dir_all(&shard)
                    .await
                    .map_err(|e| io_err("create shard", &shard, e))?;
                sync_dir(&self.blobs)
                    .await
                    .map_err(|e| io_err("fsync directory", &self.blobs, e))?;
                match self.confined(&digest).await? {
                    (_, Some(shard)) => shard,
                    (_, None) => {
                        return Err(io_err(
                            "create shard",
                            &shard,
                            io::ErrorKind::NotFound.into(),
                        ))
                    }
                }
            }
        };
        // Same bytes, same address: keep the existing blob unless it is visibly damaged
        // (wrong size or not a regular file), in which case the fresh copy replaces it.
        match tokio::fs::symlink_metadata(&dest).await {
            Ok(m) if m.is_file() && m.len() == size => return Ok(BlobInfo { digest, size }),
            Ok(_) => tracing::warn!(digest = %digest, "blob store: replacing a damaged blob"),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err("inspect blob", &dest, e)),
        }
        tokio::fs::rename(&tmp, &dest)
            .await
            .map_err(|e| io_err("commit blob", &dest, e))?;
        guard.0 = None;
        sync_dir(&shard)
            .await
            .map_err(|e| io_err("fsync directory", &shard, e))?;
        Ok(BlobInfo { digest, size })
    }

    async fn open_impl(&self, digest: Sha256, verify: bool) -> Result<BlobReader> {
        let missing = || {
            Error::not_found(
                crate::error::Entity::Artifact,
                digest.to_hex(),
                format!("blob sha256:{} not found", digest.to_hex()),
            )
        };
        let (path, shard) = self.confined(&digest).await?;
        if shard.is_none() {
            return Err(missing());
        }
        let mut opts = tokio::fs::OpenOptions::new();
        opts.read(true);
        #[cfg(unix)]
        opts.custom_flags(O_NOFOLLOW);
        let file = match opts.open(&path).await {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(missing()),
            Err(e) => return Err(io_err("open blob", &path, e)),
        };
        let meta = file
            .metadata()
            .await
            .map_err(|e| io_err("stat blob", &path, e))?;
        if !meta.is_file() {
            return Err(io_err(
                "open blob",
                &path,
                io::Error::other("not a regular file"),
            ));
        }
        let file = file.into_std().await;
        Ok(BlobReader::from_file(file, digest, meta.len(), verify))
    }

    async fn exists_impl(&self, digest: Sha256) -> Result<bool> {
        let (path, _) = self.confined(&digest).await?;
        match tokio::fs::symlink_metadata(&path).await {
            Ok(m) => Ok(m.is_file()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_err("inspect blob", &path, e)),
        }
    }

    async fn verify_impl(&self, digest: Sha256) -> Result<u64> {
        let reader = self.open_impl(digest, true).await?;
        let size = reader.size();
        let mut chunks = reader.into_stream(CHUNK);
        loop {
            match chunks.try_next().await {
                Ok(None) => return Ok(size),
                Ok(Some(_)) => {}
                // The reader's message already names the digest as corrupt.
                Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                    return Err(Error::Internal(e.to_string()))
                }
                Err(e) => return Err(io_err("read blob", &self.path_of(&digest), e)),
            }
        }
    }

    async fn delete_impl(&self, digest: Sha256) -> Result<()> {
        let (path, _) = self.confined(&digest).await?;
        // No directory fsync: a delete lost to a crash only leaves an orphan for the next GC.
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err("delete blob", &path, e)),
        }
    }
}

/// A failing upload stream: pass a wrapped domain error through (e.g. a body limit the
/// front door enforces), otherwise it is the client's stream that broke, not the server.
fn reader_error(e: io::Error) -> Error {
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<Error>()) {
        return inner.clone();
    }
    Error::InvalidArgument(format!("upload interrupted: {e}"))
}

/// 0o444: a committed blob is immutable, and this guards against accidental edits.
fn make_read_only(file: &std::fs::File) -> io::Result<()> {
    #[cfg(unix)]
    let perms = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::Permissions::from_mode(0o444)
    };
    #[cfg(not(unix))]
    let perms = {
        let mut p = file.metadata()?.permissions();
        p.set_readonly(true);
        p
    };
    file.set_permissions(perms)
}

impl BlobStore for LocalBlobStore {
    fn put_chunks<'a>(
        &'a self,
        chunks: BoxStream<'a, io::Result<Bytes>>,
        expected: Option<Sha256>,
    ) -> BoxFuture<'a, Result<BlobInfo>> {
        Box::pin(self.put_impl(chunks, expected))
    }
    fn open<'a>(&'a self, digest: Sha256, verify: bool) -> BoxFuture<'a, Result<BlobReader>> {
        Box::pin(self.open_impl(digest, verify))
    }
    fn exists<'a>(&'a self, digest: Sha256) -> BoxFuture<'a, Result<bool>> {
        Box::pin(self.exists_impl(digest))
    }
    fn verify<'a>(&'a self, digest: Sha256) -> BoxFuture<'a, Result<u64>> {
        Box::pin(self.verify_impl(digest))
    }
    fn delete<'a>(&'a self, digest: Sha256) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.delete_impl(digest))
    }
}

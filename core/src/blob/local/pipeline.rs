//! An upload's pipeline: the client's chunks gathered into batches (tiny ones merged), each
//! batch hashed and written by two blocking jobs over the same chunks while the next batch
//! arrives, and an early writeback beside them so the final fsync finds little to do.
use super::{io_err, task_failed};
use crate::error::Result;
use bytes::{Bytes, BytesMut};
use sha2::Digest as _;
use std::io;
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use tokio::task::JoinHandle;

/// An upload has the kernel write back its data every this many bytes (see `Flusher`), so
/// the fsync before the commit does not wait for the whole file to reach the disk.
pub(super) const SYNC_EVERY: u64 = 16 * 1024 * 1024;

/// Below this size a client's chunk is copied into a shared buffer rather than kept as is,
/// so that a client sending tiny pieces costs neither a long list of slices nor a write
/// each; bigger chunks (the usual case) are written and hashed where they are.
const SMALL_CHUNK: usize = 16 * 1024;

/// The client's chunks gathered for one pipeline step.
#[derive(Default)]
pub(super) struct Batch {
    parts: Vec<Bytes>,
    small: BytesMut,
    pub(super) len: usize,
}

impl Batch {
    pub(super) fn push(&mut self, chunk: Bytes) {
        self.len += chunk.len();
        if chunk.len() < SMALL_CHUNK {
            self.small.extend_from_slice(&chunk);
            if self.small.len() < SMALL_CHUNK {
                return;
            }
        }
        if !self.small.is_empty() {
            self.parts.push(self.small.split().freeze());
        }
        if chunk.len() >= SMALL_CHUNK {
            self.parts.push(chunk);
        }
    }

    pub(super) fn finish(mut self) -> Vec<Bytes> {
        if !self.small.is_empty() {
            self.parts.push(self.small.split().freeze());
        }
        self.parts
    }
}

/// The blocking-pool work on one batch of an upload: hashing and writing, as two jobs over
/// the same (reference-counted, not copied) chunks.
pub(super) struct Jobs {
    hash: JoinHandle<sha2::Sha256>,
    write: JoinHandle<io::Result<std::fs::File>>,
}

impl Jobs {
    pub(super) fn start(
        mut file: std::fs::File,
        mut hasher: sha2::Sha256,
        parts: Vec<Bytes>,
    ) -> Jobs {
        let shared = parts.clone();
        let hash = tokio::task::spawn_blocking(move || {
            for part in &shared {
                hasher.update(part);
            }
            hasher
        });
        let write = tokio::task::spawn_blocking(move || {
            write_all_parts(&mut file, &parts)?;
            Ok(file)
        });
        Jobs { hash, write }
    }
}

/// `write_all` for a list of buffers, with one `writev` for as many as the kernel takes.
pub(super) fn write_all_parts(file: &mut std::fs::File, parts: &[Bytes]) -> io::Result<()> {
    let mut slices: Vec<io::IoSlice<'_>> = parts.iter().map(|p| io::IoSlice::new(p)).collect();
    let mut rest = &mut slices[..];
    while !rest.is_empty() {
        match file.write_vectored(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => io::IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Where an upload's file and hasher are: at hand, or with the jobs on the last batch.
pub(super) enum Stage {
    Idle(std::fs::File, sha2::Sha256),
    Busy(Jobs),
}

impl Stage {
    /// The file and hasher, once the last batch's jobs are done.
    pub(super) async fn settle(self, tmp: &Path) -> Result<(std::fs::File, sha2::Sha256)> {
        match self {
            Stage::Idle(file, hasher) => Ok((file, hasher)),
            Stage::Busy(jobs) => {
                let hasher = jobs.hash.await.map_err(task_failed)?;
                let file = jobs
                    .write
                    .await
                    .map_err(task_failed)?
                    .map_err(|e| io_err("write upload", tmp, e))?;
                Ok((file, hasher))
            }
        }
    }
}

/// Early writeback for an upload: every `SYNC_EVERY` bytes an `fdatasync` on a duplicate of
/// the file's descriptor runs on the blocking pool beside the writes (never more than one at
/// a time, and never holding up the chunk pipeline), so the fsync before the commit finds
/// little left to write. Its errors fail the upload: a write-back error reported here is
/// not reported again to the final fsync on the same open file.
pub(super) struct Flusher {
    file: Arc<std::fs::File>,
    job: Option<JoinHandle<io::Result<()>>>,
}

impl Flusher {
    pub(super) fn new(file: &std::fs::File) -> io::Result<Flusher> {
        Ok(Flusher {
            file: Arc::new(file.try_clone()?),
            job: None,
        })
    }

    /// Starts a flush unless one is still running; false if it did not.
    pub(super) async fn kick(&mut self, tmp: &Path) -> Result<bool> {
        if self.job.as_ref().is_some_and(|j| !j.is_finished()) {
            return Ok(false);
        }
        self.finish(tmp).await?;
        let file = self.file.clone();
        self.job = Some(tokio::task::spawn_blocking(move || file.sync_data()));
        Ok(true)
    }

    /// Waits for the flush in flight, if any, and reports its error.
    pub(super) async fn finish(&mut self, tmp: &Path) -> Result<()> {
        match self.job.take() {
            Some(job) => job
                .await
                .map_err(task_failed)?
                .map_err(|e| io_err("fdatasync upload", tmp, e)),
            None => Ok(()),
        }
    }
}

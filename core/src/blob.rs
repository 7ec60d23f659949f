//! The content-addressed blob store: artifact bytes live under their server-computed SHA-256,
//! committed atomically, stored once however often they are uploaded, and re-hashed on demand
//! so a corrupted blob is never served as a good one. This module owns the store-independent
//! part (the `BlobStore` trait and the verifying `BlobReader`); `local` owns the on-disk store.
use crate::error::Result;
use crate::names::Sha256;
use futures::future::BoxFuture;
use sha2::Digest as _;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, ReadBuf};

mod local;
pub use local::LocalBlobStore;

/// What a successful `put` committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobInfo {
    pub digest: Sha256,
    pub size: u64,
}

/// The bytes of a stored blob, optionally checked against its address as they stream.
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Streams `reader` into the store while hashing (no whole-file buffering). If `expected`
    /// is given and differs from the computed digest the upload is refused with
    /// `InvalidArgument`. On any error, or if the returned future is dropped, nothing becomes
    /// visible and the temp file is removed. A reader error that wraps a [`crate::Error`]
    /// (`io::Error::other(err)`) is passed through as that error.
    fn put<'a>(
        &'a self,
        reader: Pin<Box<dyn AsyncRead + Send + 'a>>,
        expected: Option<Sha256>,
    ) -> BoxFuture<'a, Result<BlobInfo>>;
    /// `Err(Error::NotFound)` if absent. With `verify` the reader fails at EOF on a mismatch.
    fn open<'a>(&'a self, digest: Sha256, verify: bool) -> BoxFuture<'a, Result<BlobReader>>;
    fn exists<'a>(&'a self, digest: Sha256) -> BoxFuture<'a, Result<bool>>;
    /// Re-hashes the whole blob and returns its size; `Internal` if it is corrupt.
    fn verify<'a>(&'a self, digest: Sha256) -> BoxFuture<'a, Result<u64>>;
    /// Idempotent: deleting an absent blob succeeds. Whether a blob is still referenced is
    /// the caller's question (GC with a grace window), not the store's.
    fn delete<'a>(&'a self, digest: Sha256) -> BoxFuture<'a, Result<()>>;
}

/// A reader over a stored blob. Opened with `verify`, it hashes the bytes as they are read
/// and, at EOF, returns an `InvalidData` error naming the digest as corrupt instead of a
/// clean EOF if the hash differs, so a corrupted blob is never a complete, successful read.
/// A length different from the recorded size is refused the same way, verified or not.
pub struct BlobReader {
    inner: Pin<Box<dyn AsyncRead + Send>>,
    digest: Sha256,
    size: u64,
    read: u64,
    hasher: Option<sha2::Sha256>,
    finished: bool,
    failure: Option<String>,
}

impl std::fmt::Debug for BlobReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobReader")
            .field("digest", &self.digest)
            .field("size", &self.size)
            .field("read", &self.read)
            .field("verify", &self.hasher.is_some())
            .finish()
    }
}

impl BlobReader {
    /// Wraps the raw bytes of `digest` (`size` bytes long). Public so that other stores
    /// (e.g. object storage) share the same end-of-stream check.
    pub fn new(
        inner: Pin<Box<dyn AsyncRead + Send>>,
        digest: Sha256,
        size: u64,
        verify: bool,
    ) -> Self {
        BlobReader {
            inner,
            digest,
            size,
            read: 0,
            hasher: verify.then(sha2::Sha256::new),
            finished: false,
            failure: None,
        }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn digest(&self) -> Sha256 {
        self.digest
    }

    fn fail(&mut self, why: String) -> Poll<io::Result<()>> {
        let msg = format!("blob sha256:{} is corrupt: {why}", self.digest.to_hex());
        tracing::error!(digest = %self.digest, "{msg}");
        self.failure = Some(msg.clone());
        Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, msg)))
    }
}

impl AsyncRead for BlobReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        // A failed read stays failed: a retry must not turn into a clean EOF.
        if let Some(msg) = &this.failure {
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, msg.clone())));
        }
        if this.finished || buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        ready!(this.inner.as_mut().poll_read(cx, buf))?;
        let new = &buf.filled()[before..];
        if !new.is_empty() {
            this.read += new.len() as u64;
            if let Some(h) = this.hasher.as_mut() {
                h.update(new);
            }
            if this.read > this.size {
                let size = this.size;
                return this.fail(format!("longer than its recorded {size} bytes"));
            }
            return Poll::Ready(Ok(()));
        }
        if this.read != this.size {
            let (read, size) = (this.read, this.size);
            return this.fail(format!("{read} bytes instead of {size}"));
        }
        if let Some(h) = this.hasher.take() {
            let actual = Sha256(h.finalize().into());
            if actual != this.digest {
                return this.fail(format!("content hashes to sha256:{}", actual.to_hex()));
            }
        }
        this.finished = true;
        Poll::Ready(Ok(()))
    }
}

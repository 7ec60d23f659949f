//! The content-addressed blob store: artifact bytes live under their server-computed SHA-256,
//! committed atomically, stored once however often they are uploaded, and re-hashed on demand
//! so a corrupted blob is never served as a good one. This module owns the store-independent
//! part (the `BlobStore` trait and the verifying `BlobReader`); `local` owns the on-disk store.
use crate::error::Result;
use crate::names::Sha256;
use bytes::{Bytes, BytesMut};
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use sha2::Digest as _;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncReadExt as _, ReadBuf};

mod local;
pub use local::LocalBlobStore;

/// Streaming chunk: large enough to keep syscalls and blocking-pool hand-offs rare, small
/// enough that concurrent uploads and downloads of multi-GiB models hold little each (about
/// two chunks per transfer).
pub const CHUNK: usize = 1024 * 1024;

/// What a successful `put` committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobInfo {
    pub digest: Sha256,
    pub size: u64,
}

/// The bytes of a stored blob, optionally checked against its address as they stream.
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Streams `chunks` into the store while hashing (no whole-file buffering). If `expected`
    /// is given and differs from the computed digest the upload is refused with
    /// `InvalidArgument`. On any error, or if the returned future is dropped, nothing becomes
    /// visible and the temp file is removed. A reader error that wraps a [`crate::Error`]
    /// (`io::Error::other(err)`) is passed through as that error.
    fn put_chunks<'a>(
        &'a self,
        chunks: BoxStream<'a, io::Result<Bytes>>,
        expected: Option<Sha256>,
    ) -> BoxFuture<'a, Result<BlobInfo>>;
    /// `put_chunks` for a reader, read in chunks of up to [`CHUNK`] bytes.
    fn put<'a>(
        &'a self,
        reader: Pin<Box<dyn AsyncRead + Send + 'a>>,
        expected: Option<Sha256>,
    ) -> BoxFuture<'a, Result<BlobInfo>> {
        self.put_chunks(read_chunks(reader), expected)
    }
    /// `Err(Error::NotFound)` if absent. With `verify` the reader fails at EOF on a mismatch.
    fn open<'a>(&'a self, digest: Sha256, verify: bool) -> BoxFuture<'a, Result<BlobReader>>;
    fn exists<'a>(&'a self, digest: Sha256) -> BoxFuture<'a, Result<bool>>;
    /// Re-hashes the whole blob and returns its size; `Internal` if it is corrupt.
    fn verify<'a>(&'a self, digest: Sha256) -> BoxFuture<'a, Result<u64>>;
    /// Idempotent: deleting an absent blob succeeds. Whether a blob is still referenced is
    /// the caller's question (GC with a grace window), not the store's.
    fn delete<'a>(&'a self, digest: Sha256) -> BoxFuture<'a, Result<()>>;
}

/// A reader as a stream of chunks of up to [`CHUNK`] bytes.
pub fn read_chunks<'a>(
    reader: Pin<Box<dyn AsyncRead + Send + 'a>>,
) -> BoxStream<'a, io::Result<Bytes>> {
    Box::pin(futures::stream::try_unfold(
        reader,
        |mut reader| async move {
            let mut buf = BytesMut::with_capacity(CHUNK);
            while buf.len() < CHUNK {
                if reader.read_buf(&mut buf).await? == 0 {
                    break;
                }
            }
            Ok((!buf.is_empty()).then(|| (buf.freeze(), reader)))
        },
    ))
}

/// Where a `BlobReader`'s raw bytes come from.
enum Source {
    Reader(Pin<Box<dyn AsyncRead + Send>>),
    /// A local file. `into_stream` reads (and hashes) it in large chunks on the blocking pool,
    /// which costs far fewer syscalls, wake-ups and copies than small async reads; the first
    /// `poll_read` turns it into a tokio file instead. `None` only while a chunk is in flight.
    File(Option<std::fs::File>),
}

/// A reader over a stored blob. Opened with `verify`, it hashes the bytes as they are read
/// and, at EOF, returns an `InvalidData` error naming the digest as corrupt instead of a
/// clean EOF if the hash differs, so a corrupted blob is never a complete, successful read.
/// A length different from the recorded size is refused the same way, verified or not.
/// [`BlobReader::into_stream`] goes further and withholds the last chunk until the check
/// has passed, so a consumer of the stream never even receives all the bytes of a bad blob.
pub struct BlobReader {
    inner: Source,
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
        Self::with_source(Source::Reader(inner), digest, size, verify)
    }

    /// A blob in a local file, positioned at its start.
    pub(crate) fn from_file(file: std::fs::File, digest: Sha256, size: u64, verify: bool) -> Self {
        Self::with_source(Source::File(Some(file)), digest, size, verify)
    }

    fn with_source(inner: Source, digest: Sha256, size: u64, verify: bool) -> Self {
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

    fn corrupt(&mut self, why: String) -> io::Error {
        let msg = format!("blob sha256:{} is corrupt: {why}", self.digest.to_hex());
        tracing::error!(digest = %self.digest, "{msg}");
        self.failure = Some(msg.clone());
        io::Error::new(io::ErrorKind::InvalidData, msg)
    }

    /// Counts `n` more bytes, refusing a blob longer than recorded.
    fn count(&mut self, n: usize) -> io::Result<()> {
        self.read += n as u64;
        if self.read > self.size {
            let size = self.size;
            return Err(self.corrupt(format!("longer than its recorded {size} bytes")));
        }
        Ok(())
    }

    /// The end-of-stream check: the recorded length, then (if verifying) the digest.
    fn check_end(&mut self) -> io::Result<()> {
        if self.read != self.size {
            let (read, size) = (self.read, self.size);
            return Err(self.corrupt(format!("{read} bytes instead of {size}")));
        }
        if let Some(h) = self.hasher.take() {
            let actual = Sha256(h.finalize().into());
            if actual != self.digest {
                return Err(self.corrupt(format!("content hashes to sha256:{}", actual.to_hex())));
            }
        }
        self.finished = true;
        Ok(())
    }

    /// The next chunk, hashed and counted, and whether the source is now at EOF. Once the
    /// rest of the blob fits into a chunk, one byte more than it is asked for: a short read
    /// then confirms the end along with the last bytes, and a full one shows the blob grew.
    async fn next_chunk(&mut self, chunk: usize) -> io::Result<(Bytes, bool)> {
        if let Some(msg) = &self.failure {
            return Err(io::Error::new(io::ErrorKind::InvalidData, msg.clone()));
        }
        let rest = self.size.saturating_sub(self.read);
        let want = if rest <= chunk as u64 {
            rest as usize + 1
        } else {
            chunk
        };
        let (bytes, eof) = match &mut self.inner {
            Source::File(slot) => {
                let mut file = slot
                    .take()
                    .ok_or_else(|| io::Error::other("read in flight"))?;
                let mut hasher = self.hasher.take();
                let (file, hasher, res) = tokio::task::spawn_blocking(move || {
                    let res = read_full(&mut file, want);
                    if let (Ok(buf), Some(h)) = (&res, hasher.as_mut()) {
                        h.update(buf);
                    }
                    (file, hasher, res)
                })
                .await
                .map_err(io::Error::other)?;
                self.inner = Source::File(Some(file));
                self.hasher = hasher;
                let buf = res?;
                let eof = buf.len() < want;
                (Bytes::from(buf), eof)
            }
            Source::Reader(reader) => {
                let mut buf = BytesMut::with_capacity(want);
                let mut eof = false;
                while buf.len() < want {
                    // `take` keeps the read within `want` whatever capacity `buf` has.
                    let limit = (want - buf.len()) as u64;
                    if reader.as_mut().take(limit).read_buf(&mut buf).await? == 0 {
                        eof = true;
                        break;
                    }
                }
                if let Some(h) = self.hasher.as_mut() {
                    h.update(&buf);
                }
                (buf.freeze(), eof)
            }
        };
        self.count(bytes.len())?;
        Ok((bytes, eof))
    }

    /// The blob as a stream of chunks of up to `chunk` bytes, for a response body. The last
    /// chunk is only yielded once the length and (if verifying) the digest have been checked:
    /// a corrupt blob ends in an error with its final chunk missing, so an HTTP client sees a
    /// short body rather than a complete download. No read-ahead: each chunk goes out while
    /// it is still in the CPU cache from being read and hashed. One chunk in memory at a time.
    pub fn into_stream(self, chunk: usize) -> BoxStream<'static, io::Result<Bytes>> {
        let chunk = chunk.max(1);
        Box::pin(futures::stream::try_unfold(
            self,
            move |mut reader| async move {
                while !reader.finished {
                    let (bytes, eof) = reader.next_chunk(chunk).await?;
                    if eof {
                        reader.check_end()?;
                    }
                    if !bytes.is_empty() {
                        return Ok(Some((bytes, reader)));
                    }
                }
                Ok(None)
            },
        ))
    }
}

/// Reads until `want` bytes or EOF straight into a fresh buffer: no intermediate copy, and
/// `read_to_end` fills the spare capacity without zeroing it first.
fn read_full(file: &mut std::fs::File, want: usize) -> io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut buf = Vec::with_capacity(want);
    file.take(want as u64).read_to_end(&mut buf)?;
    Ok(buf)
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
        if let Source::File(slot) = &mut this.inner {
            if let Some(file) = slot.take() {
                this.inner = Source::Reader(Box::pin(tokio::fs::File::from_std(file)));
            }
        }
        let Source::Reader(inner) = &mut this.inner else {
            return Poll::Ready(Err(io::Error::other("read in flight")));
        };
        let before = buf.filled().len();
        ready!(inner.as_mut().poll_read(cx, buf))?;
        let new = &buf.filled()[before..];
        if !new.is_empty() {
            if let Some(h) = this.hasher.as_mut() {
                h.update(new);
            }
            let n = new.len();
            if let Err(e) = this.count(n) {
                return Poll::Ready(Err(e));
            }
            return Poll::Ready(Ok(()));
        }
        Poll::Ready(this.check_end())
    }
}

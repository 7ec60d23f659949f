//! The blob store's promises (checklist A1, A2, A4): server-computed addresses, atomic and
//! deduplicated commits, nothing visible after a failed upload, corruption refused on read,
//! and paths confined to the store root even with symlinks planted inside it.
use pedigree_core::blob::{BlobStore, LocalBlobStore};
use pedigree_core::{Error, Sha256};
use sha2::Digest as _;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

fn sha(bytes: &[u8]) -> Sha256 {
    Sha256(sha2::Sha256::digest(bytes).into())
}

fn reader(bytes: Vec<u8>) -> Pin<Box<dyn AsyncRead + Send + 'static>> {
    Box::pin(io::Cursor::new(bytes))
}

/// Every non-directory entry below `dir`, recursively (symlinks count as files).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let ty = entry.file_type().unwrap();
            if ty.is_dir() {
                stack.push(entry.path());
            } else {
                out.push(entry.path());
            }
        }
    }
    out
}

async fn store() -> (tempfile::TempDir, LocalBlobStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalBlobStore::open(dir.path()).await.unwrap();
    (dir, store)
}

async fn read_all(store: &LocalBlobStore, digest: Sha256, verify: bool) -> io::Result<Vec<u8>> {
    let mut r = store.open(digest, verify).await.unwrap();
    let mut out = Vec::new();
    r.read_to_end(&mut out).await?;
    Ok(out)
}

/// Yields `total` deterministic bytes in uneven chunks, then either EOF or an error.
struct Pattern {
    pos: usize,
    total: usize,
    fail_with: Option<io::Error>,
}

fn pattern_byte(i: usize) -> u8 {
    (i.wrapping_mul(2654435761) >> 13) as u8
}

impl AsyncRead for Pattern {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.pos >= self.total {
            return Poll::Ready(match self.fail_with.take() {
                Some(e) => Err(e),
                None => Ok(()),
            });
        }
        let n = buf.remaining().min(12_345).min(self.total - self.pos);
        let start = self.pos;
        let chunk: Vec<u8> = (start..start + n).map(pattern_byte).collect();
        buf.put_slice(&chunk);
        self.pos += n;
        Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn same_bytes_twice_are_stored_once_under_their_sha256() {
    let (dir, store) = store().await;
    let bytes = b"flavor: python_function\n".to_vec();
    let a = store.put(reader(bytes.clone()), None).await.unwrap();
    let b = store.put(reader(bytes.clone()), None).await.unwrap();
    assert_eq!(a, b);
    assert_eq!(a.digest, sha(&bytes));
    assert_eq!(a.size, bytes.len() as u64);
    let blobs = files_under(&dir.path().join("blobs"));
    assert_eq!(blobs, vec![store.path_of(&a.digest)]);
    let hex = a.digest.to_hex();
    assert!(store
        .path_of(&a.digest)
        .ends_with(format!("blobs/sha256/{}/{hex}", &hex[..2])));
    assert!(files_under(&dir.path().join("uploads")).is_empty());
    assert!(store.exists(a.digest).await.unwrap());
}

#[tokio::test]
async fn reading_back_yields_the_same_bytes() {
    let (_dir, store) = store().await;
    let bytes = b"a small model file".to_vec();
    let info = store
        .put(reader(bytes.clone()), Some(sha(&bytes)))
        .await
        .unwrap();
    assert_eq!(
        store.open(info.digest, false).await.unwrap().size(),
        bytes.len() as u64
    );
    assert_eq!(read_all(&store, info.digest, false).await.unwrap(), bytes);
    assert_eq!(read_all(&store, info.digest, true).await.unwrap(), bytes);
    assert_eq!(store.verify(info.digest).await.unwrap(), bytes.len() as u64);
}

#[tokio::test]
async fn empty_blob_round_trips() {
    let (_dir, store) = store().await;
    let info = store.put(reader(Vec::new()), None).await.unwrap();
    assert_eq!(info.digest, sha(b""));
    assert_eq!(info.size, 0);
    assert!(read_all(&store, info.digest, true)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn multi_mib_streamed_put_works() {
    let (_dir, store) = store().await;
    let total = 9 * 1024 * 1024 + 7;
    let expected: Vec<u8> = (0..total).map(pattern_byte).collect();
    let src = Pattern {
        pos: 0,
        total,
        fail_with: None,
    };
    let info = store
        .put(Box::pin(src), Some(sha(&expected)))
        .await
        .unwrap();
    assert_eq!(info.size, total as u64);
    assert_eq!(info.digest, sha(&expected));
    assert_eq!(read_all(&store, info.digest, true).await.unwrap(), expected);
    assert_eq!(store.verify(info.digest).await.unwrap(), total as u64);
}

#[cfg(unix)]
#[tokio::test]
async fn committed_blobs_are_read_only() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, store) = store().await;
    let info = store.put(reader(b"frozen".to_vec()), None).await.unwrap();
    let mode = std::fs::metadata(store.path_of(&info.digest))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o444);
}

/// Flips one byte of a committed blob in place, as bit rot or an accidental edit would.
fn corrupt(path: &Path) {
    let mut perms = std::fs::metadata(path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(path, perms).unwrap();
    let mut bytes = std::fs::read(path).unwrap();
    bytes[3] ^= 0x01;
    std::fs::write(path, bytes).unwrap();
}

#[tokio::test]
async fn a_corrupted_blob_is_refused() {
    let (_dir, store) = store().await;
    let bytes: Vec<u8> = (0..600_000).map(pattern_byte).collect();
    let info = store.put(reader(bytes.clone()), None).await.unwrap();
    corrupt(&store.path_of(&info.digest));
    let hex = info.digest.to_hex();

    match store.verify(info.digest).await {
        Err(Error::Internal(msg)) => {
            assert!(
                msg.starts_with(&format!("blob sha256:{hex} is corrupt")),
                "{msg}"
            );
        }
        other => panic!("verify of a corrupt blob: {other:?}"),
    }

    // Read chunk by chunk: the error must come where a clean EOF would have been.
    let mut r = store.open(info.digest, true).await.unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let mut delivered = 0usize;
    let err = loop {
        match r.read(&mut buf).await {
            Ok(0) => panic!("clean EOF from a corrupt blob"),
            Ok(n) => delivered += n,
            Err(e) => break e,
        }
    };
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert!(
        err.to_string()
            .contains(&format!("sha256:{hex} is corrupt")),
        "{err}"
    );
    assert_eq!(delivered, bytes.len());
    // Retrying does not turn the failure into an EOF.
    assert_eq!(
        r.read(&mut buf).await.unwrap_err().kind(),
        io::ErrorKind::InvalidData
    );

    // Without verification the bytes stream as they are (the caller chose not to check).
    assert_eq!(
        read_all(&store, info.digest, false).await.unwrap().len(),
        bytes.len()
    );
}

#[tokio::test]
async fn a_truncated_blob_fails_even_unverified() {
    let (_dir, store) = store().await;
    let info = store
        .put(reader(b"0123456789".to_vec()), None)
        .await
        .unwrap();
    let path = store.path_of(&info.digest);
    let mut r = store.open(info.digest, false).await.unwrap();
    corrupt(&path);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(4)
        .unwrap();
    let mut out = Vec::new();
    let err = r.read_to_end(&mut out).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert!(matches!(
        store.verify(info.digest).await,
        Err(Error::Internal(_))
    ));
}

#[tokio::test]
async fn an_interrupted_upload_leaves_nothing() {
    let (dir, store) = store().await;
    // More than one buffer's worth, so a temp file really was written before the failure.
    let src = Pattern {
        pos: 0,
        total: 700_000,
        fail_with: Some(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "client went away",
        )),
    };
    let err = store.put(Box::pin(src), None).await.unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    assert!(files_under(&dir.path().join("blobs")).is_empty());
    assert!(files_under(&dir.path().join("uploads")).is_empty());
    let partial: Vec<u8> = (0..700_000).map(pattern_byte).collect();
    assert!(!store.exists(sha(&partial)).await.unwrap());
}

#[tokio::test]
async fn a_domain_error_from_the_reader_passes_through() {
    let (dir, store) = store().await;
    let limit = Error::FailedPrecondition("request body is larger than the limit".into());
    let src = Pattern {
        pos: 0,
        total: 1000,
        fail_with: Some(io::Error::other(limit.clone())),
    };
    assert_eq!(store.put(Box::pin(src), None).await.unwrap_err(), limit);
    assert!(files_under(&dir.path().join("uploads")).is_empty());
}

#[tokio::test]
async fn a_dropped_upload_leaves_no_temp_file() {
    let (dir, store) = store().await;
    // A reader that never finishes: the upload is abandoned (a client disconnect drops it).
    let src = tokio::io::AsyncReadExt::chain(io::Cursor::new(vec![7u8; 1000]), Pending);
    let put = store.put(Box::pin(src), None);
    assert!(tokio::time::timeout(Duration::from_millis(200), put)
        .await
        .is_err());
    assert!(files_under(&dir.path().join("uploads")).is_empty());
    assert!(files_under(&dir.path().join("blobs")).is_empty());
}

struct Pending;
impl AsyncRead for Pending {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        _buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Poll::Pending
    }
}

#[tokio::test]
async fn a_wrong_expected_digest_is_refused_and_nothing_is_stored() {
    let (dir, store) = store().await;
    let bytes = b"the real content".to_vec();
    let claimed = sha(b"something else");
    let err = store
        .put(reader(bytes.clone()), Some(claimed))
        .await
        .unwrap_err();
    match err {
        Error::InvalidArgument(msg) => assert!(msg.contains("digest mismatch"), "{msg}"),
        other => panic!("{other:?}"),
    }
    assert!(!store.exists(sha(&bytes)).await.unwrap());
    assert!(!store.exists(claimed).await.unwrap());
    assert!(files_under(&dir.path().join("blobs")).is_empty());
    assert!(files_under(&dir.path().join("uploads")).is_empty());
}

#[tokio::test]
async fn open_purges_stale_uploads() {
    let (dir, store) = store().await;
    let kept = store
        .put(reader(b"committed".to_vec()), None)
        .await
        .unwrap();
    let uploads = dir.path().join("uploads");
    std::fs::write(
        uploads.join("0123456789abcdef0123456789abcdef"),
        b"half an upload",
    )
    .unwrap();
    std::fs::write(uploads.join("another"), b"x").unwrap();

    // A janitor with a grace window leaves fresh uploads alone.
    assert_eq!(
        store
            .purge_stale_uploads(Duration::from_secs(3600))
            .await
            .unwrap(),
        0
    );
    assert_eq!(files_under(&uploads).len(), 2);

    // Opening leaves a fresh upload (another process may be writing it) and removes old ones.
    let reopened = LocalBlobStore::open(dir.path()).await.unwrap();
    assert_eq!(files_under(&uploads).len(), 2);
    let old = std::time::SystemTime::now() - Duration::from_secs(7 * 3600);
    for f in files_under(&uploads) {
        std::fs::File::options()
            .write(true)
            .open(&f)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    let reopened_later = LocalBlobStore::open(dir.path()).await.unwrap();
    assert!(files_under(&uploads).is_empty());
    drop(reopened_later);
    assert_eq!(
        read_all(&reopened, kept.digest, true).await.unwrap(),
        b"committed"
    );
}

#[tokio::test]
async fn missing_blobs_are_not_found() {
    let (_dir, store) = store().await;
    let digest = sha(b"never stored");
    assert!(matches!(
        store.open(digest, true).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        store.verify(digest).await,
        Err(Error::NotFound { .. })
    ));
    assert!(!store.exists(digest).await.unwrap());
    // Deleting is idempotent.
    store.delete(digest).await.unwrap();
}

#[tokio::test]
async fn delete_removes_the_blob() {
    let (_dir, store) = store().await;
    let info = store
        .put(reader(b"short-lived".to_vec()), None)
        .await
        .unwrap();
    store.delete(info.digest).await.unwrap();
    assert!(!store.exists(info.digest).await.unwrap());
    assert!(matches!(
        store.open(info.digest, false).await,
        Err(Error::NotFound { .. })
    ));
    // The same bytes can be stored again afterwards.
    assert_eq!(
        store
            .put(reader(b"short-lived".to_vec()), None)
            .await
            .unwrap(),
        info
    );
}

#[tokio::test]
async fn concurrent_puts_of_the_same_bytes_agree() {
    let (dir, store) = store().await;
    let store: Arc<dyn BlobStore> = Arc::new(store);
    let bytes: Vec<u8> = (0..300_000).map(pattern_byte).collect();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (store, bytes) = (store.clone(), bytes.clone());
        tasks.push(tokio::spawn(
            async move { store.put(reader(bytes), None).await },
        ));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().digest, sha(&bytes));
    }
    assert_eq!(files_under(&dir.path().join("blobs")).len(), 1);
    assert!(files_under(&dir.path().join("uploads")).is_empty());
    assert_eq!(store.verify(sha(&bytes)).await.unwrap(), bytes.len() as u64);
}

#[cfg(unix)]
#[tokio::test]
async fn a_symlinked_shard_directory_is_refused() {
    let (dir, store) = store().await;
    let outside = tempfile::tempdir().unwrap();
    let bytes = b"escape attempt".to_vec();
    let digest = sha(&bytes);
    let hex = digest.to_hex();
    std::fs::write(outside.path().join(&hex), &bytes).unwrap();
    std::os::unix::fs::symlink(
        outside.path(),
        dir.path().join("blobs/sha256").join(&hex[..2]),
    )
    .unwrap();

    for err in [
        store.open(digest, false).await.unwrap_err(),
        store.put(reader(bytes.clone()), None).await.unwrap_err(),
    ] {
        match err {
            Error::Internal(msg) => {
                assert!(
                    !msg.contains(&*dir.path().to_string_lossy()),
                    "path leaked: {msg}"
                );
                assert!(
                    !msg.contains(&*outside.path().to_string_lossy()),
                    "path leaked: {msg}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(store.exists(digest).await.is_err());
    assert_eq!(files_under(outside.path()).len(), 1);
    assert!(files_under(&dir.path().join("uploads")).is_empty());
}

#[cfg(unix)]
#[tokio::test]
async fn a_symlinked_blob_is_not_followed_and_a_put_replaces_it() {
    let (_dir, store) = store().await;
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret");
    std::fs::write(&secret, b"not yours").unwrap();
    let bytes = b"the real blob".to_vec();
    let digest = sha(&bytes);
    let path = store.path_of(&digest);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&secret, &path).unwrap();

    assert!(matches!(
        store.open(digest, false).await,
        Err(Error::Internal(_))
    ));
    assert!(!store.exists(digest).await.unwrap());
    // Uploading the real content repairs the entry instead of writing through the link.
    store.put(reader(bytes.clone()), None).await.unwrap();
    assert!(std::fs::symlink_metadata(&path).unwrap().is_file());
    assert_eq!(std::fs::read(&secret).unwrap(), b"not yours");
    assert_eq!(read_all(&store, digest, true).await.unwrap(), bytes);
}

#[cfg(unix)]
#[tokio::test]
async fn a_symlinked_uploads_directory_is_refused_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("uploads")).unwrap();
    let err = LocalBlobStore::open(dir.path()).await.unwrap_err();
    assert!(matches!(err, Error::FailedPrecondition(_)), "{err:?}");
}

/// Drains `into_stream`, returning the bytes delivered and how the stream ended.
async fn drain_stream(
    store: &LocalBlobStore,
    digest: Sha256,
    verify: bool,
    chunk: usize,
) -> (Vec<u8>, io::Result<()>) {
    use futures::StreamExt as _;
    let mut s = store.open(digest, verify).await.unwrap().into_stream(chunk);
    let mut out = Vec::new();
    while let Some(item) = s.next().await {
        match item {
            Ok(b) => {
                assert!(!b.is_empty() && b.len() <= chunk, "chunk of {}", b.len());
                out.extend_from_slice(&b);
            }
            Err(e) => return (out, Err(e)),
        }
    }
    (out, Ok(()))
}

#[tokio::test]
async fn the_chunk_stream_yields_the_blob_in_bounded_chunks() {
    let (_dir, store) = store().await;
    // Sizes around a chunk boundary: the end is confirmed with the last chunk either way.
    for (total, chunk) in [
        (0, 4096),
        (1, 4096),
        (4096, 4096),
        (3 * 4096, 4096),
        (700_001, 65_536),
    ] {
        let bytes: Vec<u8> = (0..total).map(pattern_byte).collect();
        let info = store.put(reader(bytes.clone()), None).await.unwrap();
        for verify in [true, false] {
            let (out, end) = drain_stream(&store, info.digest, verify, chunk).await;
            end.unwrap();
            assert_eq!(out, bytes, "total {total} chunk {chunk}");
        }
    }
}

#[tokio::test]
async fn the_chunk_stream_of_a_corrupt_blob_withholds_its_last_chunk() {
    let (_dir, store) = store().await;
    for total in [600_000, 4 * 65_536, 1000] {
        let bytes: Vec<u8> = (0..total).map(pattern_byte).collect();
        let info = store.put(reader(bytes.clone()), None).await.unwrap();
        corrupt(&store.path_of(&info.digest));
        let (out, end) = drain_stream(&store, info.digest, true, 65_536).await;
        let err = end.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("is corrupt"), "{err}");
        // Whatever was sent, the client never gets a complete body.
        assert!(
            out.len() < bytes.len(),
            "{} of {total} delivered",
            out.len()
        );
        std::fs::remove_file(store.path_of(&info.digest)).unwrap();
    }
}

#[tokio::test]
async fn the_chunk_stream_refuses_a_blob_whose_length_changed() {
    let (_dir, store) = store().await;
    let bytes: Vec<u8> = (0..200_000).map(pattern_byte).collect();
    let info = store.put(reader(bytes.clone()), None).await.unwrap();
    let path = store.path_of(&info.digest);
    // Grown after open: the probe byte past the recorded end shows it, verified or not.
    let s = store.open(info.digest, false).await.unwrap();
    corrupt(&path);
    let mut grown = std::fs::read(&path).unwrap();
    grown.push(0);
    std::fs::write(&path, &grown).unwrap();
    let mut s = s.into_stream(65_536);
    let mut delivered = 0;
    let err = loop {
        match futures::StreamExt::next(&mut s).await {
            Some(Ok(b)) => delivered += b.len(),
            Some(Err(e)) => break e,
            None => panic!("clean end from a grown blob"),
        }
    };
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert!(delivered < bytes.len());
    // Truncated after open: ends in an error too.
    let s = store.open(info.digest, false).await.unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(1000)
        .unwrap();
    let mut s = s.into_stream(65_536);
    let mut delivered = 0;
    let err = loop {
        match futures::StreamExt::next(&mut s).await {
            Some(Ok(b)) => delivered += b.len(),
            Some(Err(e)) => break e,
            None => panic!("clean end from a truncated blob"),
        }
    };
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert!(delivered <= 1000);
}

#[tokio::test]
async fn put_chunks_takes_tiny_and_large_chunks_alike() {
    let (_dir, store) = store().await;
    // Tiny pieces (copied together), big ones (passed through) and empty ones, interleaved.
    let mut chunks = Vec::new();
    let mut all = Vec::new();
    let mut pos = 0usize;
    for i in 0..400 {
        let n = match i % 4 {
            0 => 1,
            1 => 0,
            2 => 10_000,
            _ => 100_000,
        };
        let piece: Vec<u8> = (pos..pos + n).map(pattern_byte).collect();
        pos += n;
        all.extend_from_slice(&piece);
        chunks.push(Ok(bytes::Bytes::from(piece)));
    }
    let stream = Box::pin(futures::stream::iter(chunks));
    let info = store.put_chunks(stream, Some(sha(&all))).await.unwrap();
    assert_eq!(info.size, all.len() as u64);
    assert_eq!(read_all(&store, info.digest, true).await.unwrap(), all);
}

//! argon2id password hashes. Hashing is deliberately slow and memory-hungry,
//! so it runs on the blocking pool, at most one per core at a time: a burst
//! of sign-ins queues here instead of stalling every other request.

use crate::kernel::DomainError;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::LazyLock;
use tokio::sync::Semaphore;
use uuid::Uuid;

static HASHING: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Semaphore::new(cores)
});

/// Run `work` on the blocking pool once a hashing slot is free.
async fn off_the_runtime<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, DomainError> {
    let _slot = HASHING
        .acquire()
        .await
        .map_err(|_| DomainError::internal("password hashing is shut down"))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| DomainError::Internal(format!("password hashing: {e}")))
}

/// Hash a password with argon2id and a random salt (PHC string).
pub async fn hash(password: &str) -> Result<String, DomainError> {
    let password = password.to_owned();
    off_the_runtime(move || hash_now(&password)).await?
}

/// Does `password` match the stored hash?
pub async fn verify(hash: &str, password: &str) -> Result<bool, DomainError> {
    let (hash, password) = (hash.to_owned(), password.to_owned());
    off_the_runtime(move || verify_now(&hash, &password)).await
}

fn hash_now(password: &str) -> Result<String, DomainError> {
    let salt = SaltString::encode_b64(Uuid::new_v4().as_bytes())
        .map_err(|e| DomainError::Internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| DomainError::Internal(format!("hash: {e}")))
}

fn verify_now(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A real argon2id hash of a throwaway string, for refusals that cost as much
/// as a real check.
pub(super) async fn decoy() -> Result<&'static str, DomainError> {
    static DECOY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DECOY
        .get_or_try_init(|| hash("not a password of anyone"))
        .await
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ_per_salt() {
        let a = hash("correct horse battery").await.unwrap();
        let b = hash("correct horse battery").await.unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify(&a, "correct horse battery").await.unwrap());
        assert!(!verify(&a, "wrong").await.unwrap());
        assert!(!verify("garbage", "x").await.unwrap());
    }

    /// A hash in progress leaves the runtime free: on a single-threaded
    /// runtime a 1 ms timer fires while the hash is still running (hashing
    /// on the runtime thread would finish it first).
    #[tokio::test(flavor = "current_thread")]
    async fn hashing_does_not_block_the_runtime() {
        let hashing = tokio::spawn(hash("a password of twelve"));
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        assert!(!hashing.is_finished());
        assert!(hashing.await.unwrap().is_ok());
    }
}

use super::*;

#[tokio::test]
async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
    let hash = hash("correct horse battery staple").await.unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    assert_eq!(
        verify("correct horse battery staple", Some(&hash)).await.unwrap(),
        Verified::Yes { rehashed: None }
    );
    assert_eq!(verify("correct horse battery stapl", Some(&hash)).await.unwrap(), Verified::No);
}

#[tokio::test]
async fn the_same_password_gets_a_fresh_salt() {
    let a = hash("same password twice").await.unwrap();
    let b = hash("same password twice").await.unwrap();
    assert_ne!(a, b);
}

#[tokio::test]
async fn weaker_stored_parameters_are_upgraded_on_a_successful_verify() {
    let weak =
        Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8192, 1, 1, None).unwrap());
    let salt = SaltString::generate(&mut OsRng);
    let old = weak.hash_password(b"an older passphrase", &salt).unwrap().to_string();

    let Verified::Yes { rehashed: Some(new) } =
        verify("an older passphrase", Some(&old)).await.unwrap()
    else {
        panic!("expected a re-hash");
    };

    assert!(new.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{new}");
    assert_eq!(
        verify("an older passphrase", Some(&new)).await.unwrap(),
        Verified::Yes { rehashed: None }
    );
}

#[tokio::test]
async fn no_stored_hash_never_verifies_even_with_the_dummy_password() {
    assert_eq!(verify("", None).await.unwrap(), Verified::No);
    assert_eq!(verify("anything at all here", None).await.unwrap(), Verified::No);
}

use super::safe_next;

#[test]
fn only_local_paths_are_followed_after_sign_in() {
    assert_eq!(safe_next("/account"), "/account");
    assert_eq!(safe_next("/markets?x=1"), "/markets?x=1");
    for hostile in [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/ /evil.example",
        "",
        "account",
    ] {
        assert_eq!(safe_next(hostile), "/", "{hostile}");
    }
}

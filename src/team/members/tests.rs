use super::like_pattern;

#[test]
fn search_terms_cannot_inject_patterns() {
    assert_eq!(like_pattern("  "), "");
    assert_eq!(like_pattern("nora"), "%nora%");
    assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
}

use super::slug_of;

#[test]
fn slugs_are_lowercase_words_joined_by_hyphens() {
    assert_eq!(slug_of("Northwind Cinemas"), "northwind-cinemas");
    assert_eq!(slug_of("  Café & Co. -- Ltd "), "caf-co-ltd");
    assert_eq!(slug_of("!!!"), "organisation");
}

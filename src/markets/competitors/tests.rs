use super::check_website;

#[test]
fn only_absolute_http_addresses_are_websites() {
    for good in ["https://cinema.example", "http://cinema.example/path?q=1", ""] {
        assert!(check_website("website", good).is_none(), "{good}");
    }
    for bad in
        ["javascript:alert(1)", "ftp://x.example", "cinema.example", "https://", "data:text/html,x"]
    {
        assert!(check_website("website", bad).is_some(), "{bad}");
    }
}

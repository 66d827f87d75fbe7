use super::*;

#[test]
fn an_address_gets_its_burst_then_waits_and_others_are_not_affected() {
    let limit = AnonymousLimit::default();
    for n in 0..BURST {
        assert!(limit.check("203.0.113.9").is_ok(), "request {n} of the burst");
    }
    let wait = limit.check("203.0.113.9").unwrap_err();
    assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1), "{wait:?}");
    assert!(limit.check("203.0.113.10").is_ok());
}

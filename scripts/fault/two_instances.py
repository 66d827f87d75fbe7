"""Two app instances on different ports share one database, as behind a load balancer.

Proves: a session created on one works on the other; logout, password change, role change and an
organisation's suspension made through one take effect on the other at the next request; failed
logins are counted across both.
"""

from harness import (ADMIN, ANALYST, HARBOUR_ADMIN, SUPER_ADMIN, VIEWER, App, Browser, call, first_market,
                     request, scenario, token)
import json


def signed_in(browser) -> bool:
    answer = browser.call("signed_in_user")
    return answer.status == 200 and answer.body.strip() not in (b"null", b"")


def run(report, postgres, database_url, apps):
    database = database_url.rsplit("/", 1)[1]
    one = App("two-instances-a", database_url)
    apps.append(one)
    two = App("two-instances-b", database_url)
    apps.append(two)
    report.measure("instances", [one.base, two.base])

    # A session made on one instance is honoured by the other, and logging out on one ends it there.
    analyst_session = Browser(one.base, ANALYST)
    report.check("a session created on A works on B", signed_in(analyst_session.on(two.base)))
    analyst_session.post_form("/logout")
    report.check("after logout on A, B refuses the session", not signed_in(analyst_session.on(two.base)))

    # Password change on A ends the user's other sessions, including one held on B.
    changer, other = Browser(one.base, VIEWER), Browser(two.base, VIEWER)
    report.check("B serves the second session before the change", signed_in(other))
    changed = changer.call("change_password", current_password=VIEWER[1],
                           new_password="a-brand-new-passphrase-2026", confirm_password="a-brand-new-passphrase-2026")
    report.check("the password change on A succeeds", changed.status == 200, f"{changed.status} {changed.body[:200]!r}")
    report.check("the other session, on B, ends at its next request", not signed_in(other))
    report.check("the session that changed it stays signed in (on B too)", signed_in(changer.on(two.base)))

    # Role change on A: the analyst's token, used on B, loses write access at the next request.
    analyst_token = token(two.base, ANALYST)
    target = first_market(two.base, analyst_token)
    observation = dict(price="9.99", observed_at="", source="two-instances",
                       **{k: target[k] for k in ("market_id", "competitor_id", "product_id", "currency")})
    before = call(two.base, "record_observation", analyst_token, **observation)
    report.check("the analyst may record on B", before.status == 200, f"{before.status}")
    analyst_id = postgres.psql(database, f"SELECT id FROM users WHERE email = '{ANALYST[0]}'")
    admin = Browser(one.base, ADMIN)
    demoted = admin.call("change_member_role", user_id=analyst_id, role="viewer")
    report.check("the admin demotes the analyst on A", demoted.status == 200, f"{demoted.status} {demoted.body[:200]!r}")
    # A token carries the role it was issued for: it stops working (401), and a new one has the new role.
    after = call(two.base, "record_observation", analyst_token, **observation)
    report.check("B refuses the token issued before the role change at the next request (401)",
                 after.status == 401, f"{after.status}")
    renewed = call(two.base, "record_observation", token(two.base, ANALYST), **observation)
    report.check("a new token has the new role: B refuses the write (403)", renewed.status == 403,
                 f"{renewed.status}")

    # Suspension on A: the organisation's tokens and sessions stop working on B.
    harbour_token, harbour_session = token(two.base, HARBOUR_ADMIN), Browser(two.base, HARBOUR_ADMIN)
    report.check("Harbour's admin works on B", call(two.base, "markets", harbour_token).status == 200
                 and signed_in(harbour_session))
    harbour_id = postgres.psql(database, "SELECT organisation_id FROM memberships m JOIN users u ON u.id = m.user_id "
                                         f"WHERE u.email = '{HARBOUR_ADMIN[0]}'")
    super_admin = Browser(one.base, SUPER_ADMIN)
    suspended = super_admin.call("set_organisation_status", id=harbour_id, status="suspended",
                                 reason="fault scenario: suspension across instances")
    report.check("the super-admin suspends Harbour on A", suspended.status == 200,
                 f"{suspended.status} {suspended.body[:200]!r}")
    refused = call(two.base, "markets", harbour_token)
    report.check("B refuses the suspended organisation's token", refused.status in (401, 403), f"{refused.status}")
    report.check("B ends the suspended organisation's session", not signed_in(harbour_session))

    # Failed logins are counted in the database: alternating instances does not double the allowance.
    def attempt(base, password):
        body = json.dumps({"grant_type": "password", "email": "nobody@fault.example", "password": password})
        return request("POST", base + "/api/v1/token", body.encode(), {"content-type": "application/json"})

    attempts, throttled_at = 0, None
    for attempts in range(1, 15):
        answer = attempt((one, two)[attempts % 2].base, f"wrong-{attempts}")
        if answer.status == 429:
            throttled_at = attempts
            break
    report.measure("attempts until throttled (alternating A and B)", throttled_at)
    report.check("the throttle counts attempts on both instances", throttled_at is not None and throttled_at <= 7,
                 f"throttled at attempt {throttled_at}; counted per instance it would take 12 or more")
    other = (one, two)[(attempts + 1) % 2]
    report.check("the other instance refuses that account too", attempt(other.base, "another").status == 429)


if __name__ == "__main__":
    scenario("two-instances", run)

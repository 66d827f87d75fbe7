use super::*;

#[test]
fn tenant_roles_are_ranked() {
    assert!(Role::Admin.satisfies(Role::Analyst));
    assert!(Role::Analyst.satisfies(Role::Viewer));
    assert!(Role::Analyst.satisfies(Role::Analyst));
    assert!(!Role::Viewer.satisfies(Role::Analyst));
    assert!(!Role::Analyst.satisfies(Role::Admin));
}

#[test]
fn the_platform_role_is_not_a_tenant_rank() {
    assert!(Role::SuperAdmin.satisfies(Role::SuperAdmin));
    assert!(!Role::SuperAdmin.satisfies(Role::Viewer));
    assert!(!Role::Admin.satisfies(Role::SuperAdmin));
}

#[test]
fn roles_serialise_as_the_jwt_claim_values() {
    let names: Vec<String> = [Role::SuperAdmin, Role::Admin, Role::Analyst, Role::Viewer]
        .iter()
        .map(|role| serde_json::to_string(role).unwrap())
        .collect();
    assert_eq!(names, ["\"super_admin\"", "\"admin\"", "\"analyst\"", "\"viewer\""]);
}

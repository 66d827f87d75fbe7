//! The deployment files agree with each other: every RUN command of the Dockerfile is run, verbatim
//! and in the same order, by scripts/image-steps.sh (which proves the image's steps on machines
//! without Docker), and railway.toml checks the readiness endpoint the server really has.

use std::fs;

/// The Dockerfile's RUN commands, continuation lines joined.
fn dockerfile_runs() -> Vec<String> {
    let text = fs::read_to_string("Dockerfile").expect("Dockerfile");
    let mut runs = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(command) = current.as_mut() {
            command.push(' ');
            command.push_str(line.trim_end_matches('\\').trim());
        } else if let Some(command) = line.strip_prefix("RUN ") {
            current = Some(command.trim_end_matches('\\').trim().to_owned());
        }
        if !line.ends_with('\\') {
            runs.extend(current.take());
        }
    }
    runs
}

/// The commands scripts/image-steps.sh runs: the argument of each `step '…'` line.
fn script_steps() -> Vec<String> {
    let text = fs::read_to_string("scripts/image-steps.sh").expect("scripts/image-steps.sh");
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("step '")?.strip_suffix('\''))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_image_steps_script_runs_every_dockerfile_command_in_order() {
    let runs = dockerfile_runs();
    assert!(runs.len() >= 6, "the Dockerfile has too few RUN commands: {runs:#?}");
    assert_eq!(script_steps(), runs, "scripts/image-steps.sh and the Dockerfile differ");
}

#[test]
fn the_image_runs_the_server_as_a_non_root_user_with_only_what_it_needs() {
    let text = fs::read_to_string("Dockerfile").unwrap();
    let runtime = text.rsplit_once("FROM ").expect("a runtime stage").1;
    assert!(runtime.lines().any(|line| line.trim() == "USER marketedge"), "{runtime}");
    let copies: Vec<&str> =
        runtime.lines().filter(|line| line.trim_start().starts_with("COPY")).collect();
    assert_eq!(copies, ["COPY --from=build /out/ /app/"], "the runtime copies only /out");
    let build = fs::read_to_string("Dockerfile").unwrap();
    assert!(build.contains(r#"cp "${CARGO_TARGET_DIR:-target}/release/marketedge" Leptos.toml "$OUT/" && cp -r target/site "$OUT/site""#));
}

#[test]
fn railway_checks_readiness_and_restarts_on_failure() {
    let railway: toml::Value =
        toml::from_str(&fs::read_to_string("railway.toml").unwrap()).expect("railway.toml parses");
    let deploy = &railway["deploy"];
    assert_eq!(deploy["healthcheckPath"].as_str(), Some("/readyz"));
    assert_eq!(deploy["restartPolicyType"].as_str(), Some("ON_FAILURE"));
    assert_eq!(deploy["startCommand"].as_str(), Some("/app/marketedge serve"));
    assert_eq!(railway["build"]["builder"].as_str(), Some("DOCKERFILE"));
    let routes = fs::read_to_string("src/host/http.rs").unwrap();
    assert!(routes.contains(r#".route("/readyz""#), "the server has no /readyz route");
}

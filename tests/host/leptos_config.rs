//! Leptos.toml (runtime options the server reads) and Cargo.toml's [package.metadata.leptos]
//! (cargo-leptos's build options) must not disagree on any key they share.
#![cfg(feature = "ssr")]

use toml::Table;

fn leptos_section(file: &str) -> Table {
    let path = format!("{}/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let parsed: Table = text.parse().unwrap_or_else(|e| panic!("{path}: {e}"));
    parsed["package"]["metadata"]["leptos"].as_table().expect("a leptos section").clone()
}

#[test]
fn shared_keys_agree() {
    let runtime = leptos_section("Leptos.toml");
    let build = leptos_section("Cargo.toml");

    let shared: Vec<&String> = runtime.keys().filter(|key| build.contains_key(*key)).collect();

    // The keys that decide where the bundle is written and served from must be in both.
    for key in ["output-name", "site-root", "site-pkg-dir", "site-addr"] {
        assert!(shared.iter().any(|k| k.as_str() == key), "{key} missing from one file");
    }
    for key in shared {
        assert_eq!(runtime[key], build[key], "Leptos.toml and Cargo.toml disagree on `{key}`");
    }
}

#[test]
fn the_server_reads_leptos_toml() {
    let path = format!("{}/Leptos.toml", env!("CARGO_MANIFEST_DIR"));

    let options = leptos::config::get_configuration(Some(&path)).unwrap().leptos_options;

    assert_eq!(&*options.output_name, env!("CARGO_PKG_NAME"));
    assert_eq!(&*options.site_root, "target/site");
}

#[test]
fn the_stylesheet_link_matches_the_output_name() {
    let app =
        std::fs::read_to_string(format!("{}/src/host/app.rs", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let output_name = leptos_section("Leptos.toml")["output-name"].as_str().unwrap().to_owned();

    assert!(app.contains(&format!("/pkg/{output_name}.css")));
}

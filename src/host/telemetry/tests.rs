use super::*;

fn format(vars: &[(&str, &str)]) -> LogFormat {
    LogFormat::from_env(|name| {
        vars.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_string())
    })
}

#[test]
fn production_logs_json_and_development_text_unless_told() {
    assert_eq!(format(&[]), LogFormat::Text);
    assert_eq!(format(&[("APP_ENV", "development")]), LogFormat::Text);
    assert_eq!(format(&[("APP_ENV", "production")]), LogFormat::Json);
    assert_eq!(format(&[("RAILWAY_ENVIRONMENT", "production")]), LogFormat::Json);
    assert_eq!(format(&[("APP_ENV", "production"), ("LOG_FORMAT", "text")]), LogFormat::Text);
    assert_eq!(format(&[("LOG_FORMAT", "json")]), LogFormat::Json);
}

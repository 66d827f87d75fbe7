//! The real server loop: slow clients are cut off by the header-read timeout, normal requests
//! are answered, and a shutdown signal ends the loop after in-flight work.
#![cfg(feature = "ssr")]

use std::time::{Duration, Instant};

use crate::common::*;
use marketedge::host::serve::serve_connections;
use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[sqlx::test]
async fn slow_headers_are_cut_off_and_normal_requests_answered(pool: PgPool) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_connections(
        listener,
        fx_app(pool),
        Duration::from_millis(300),
        async {
            let _ = stopped.await;
        },
    ));

    // A slowloris client: half a request line, then silence.
    let mut slow = TcpStream::connect(address).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let started = Instant::now();
    let mut buffer = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut buffer)).await;
    assert!(closed.is_ok(), "the slow connection was not closed");
    assert!(started.elapsed() < Duration::from_secs(3), "closed after {:?}", started.elapsed());

    // A normal client is served meanwhile.
    let mut normal = TcpStream::connect(address).await.unwrap();
    normal
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(5), normal.read_to_string(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("x-request-id"), "{answer}");

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the loop ends after shutdown")
        .unwrap();
}

/// A client that sends its headers and then trickles its body is answered 503 once the request
/// timeout passes and its connection is closed; reading the body is inside the timeout. Found by
/// `make fault` (slow-clients): body reading sat outside it, so such connections stayed open.
#[sqlx::test]
async fn a_trickled_body_is_cut_off_by_the_request_timeout(pool: PgPool) {
    let config = marketedge::runtime::config::Config::resolve(
        |name| match name {
            "APP_ENV" => Some("test".into()),
            "REQUEST_TIMEOUT_SECS" => Some("1".into()),
            _ => None,
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .unwrap();
    let state = marketedge::access::state::AppState::new(
        fx_app_pool(&pool),
        config,
        fx_leptos_options(),
        marketedge::runtime::clock::Clock::system(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_connections(
        listener,
        fx_app_with(state),
        Duration::from_secs(5),
        async {
            let _ = stopped.await;
        },
    ));

    let mut slow = TcpStream::connect(address).await.unwrap();
    slow.write_all(
        b"POST /api/markets HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\na",
    )
    .await
    .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut answer)).await;
    assert!(closed.is_ok(), "the connection was not closed");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("retry-after: 5"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(3), "answered after {:?}", started.elapsed());

    stop.send(()).unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
}

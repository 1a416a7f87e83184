use http::HeaderValue;
use tower::{Layer, ServiceExt};

use super::*;
use crate::{Code, Context, Endpoint};

fn echo() -> Endpoint<u8, u8> {
    Endpoint::new(tower::service_fn(|request: Request<u8>| async move {
        Ok(request.message)
    }))
}

fn with_authorization(value: &str) -> Context {
    let mut ctx = Context::new();
    ctx.metadata_mut().insert(
        http::header::AUTHORIZATION,
        HeaderValue::from_str(value).unwrap(),
    );
    ctx
}

async fn call(layer: &AuthLayer, ctx: Context) -> Result<u8, Error> {
    layer.layer(echo()).oneshot(Request::new(ctx, 1)).await
}

#[tokio::test]
async fn bearer_tokens() {
    let layer = AuthLayer::bearer(["s3cret", "other"]);
    assert_eq!(
        call(&layer, with_authorization("Bearer s3cret"))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        call(&layer, with_authorization("bearer other"))
            .await
            .unwrap(),
        1
    );
    for (ctx, message) in [
        (Context::new(), "missing credentials"),
        (with_authorization("Bearer wrong"), "invalid bearer token"),
        (
            with_authorization("Basic czNjcmV0"),
            "unsupported credentials",
        ),
    ] {
        let error = call(&layer, ctx).await.unwrap_err();
        assert_eq!(error.code(), Code::Unauthenticated);
        assert_eq!(error.http_status(), http::StatusCode::UNAUTHORIZED);
        assert!(error.message().starts_with(message), "{}", error.message());
    }
}

#[tokio::test]
async fn basic_credentials() {
    let layer = AuthLayer::basic([("ada", "lovelace")]);
    // base64("ada:lovelace")
    assert!(
        call(&layer, with_authorization("Basic YWRhOmxvdmVsYWNl"))
            .await
            .is_ok()
    );
    // base64("ada:babbage")
    let error = call(&layer, with_authorization("Basic YWRhOmJhYmJhZ2U="))
        .await
        .unwrap_err();
    assert_eq!(error.message(), "invalid user or password");
    let error = call(&layer, with_authorization("Basic !!!"))
        .await
        .unwrap_err();
    assert_eq!(error.message(), "malformed basic credentials");
}

#[tokio::test]
async fn a_custom_check() {
    let layer = AuthLayer::custom(|authorization: &str| {
        if authorization == "Key 42" {
            Ok(())
        } else {
            Err(Error::unauthenticated("no"))
        }
    });
    assert!(call(&layer, with_authorization("Key 42")).await.is_ok());
    assert!(call(&layer, with_authorization("Key 41")).await.is_err());
}

#[cfg(feature = "jwt")]
#[tokio::test]
async fn signed_json_web_tokens() {
    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, encode};

    let secret = b"kitgen-test-secret";
    let layer = AuthLayer::jwt(
        DecodingKey::from_secret(secret),
        Validation::new(Algorithm::HS256),
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let token = |exp: u64, key: &[u8]| {
        encode(
            &Header::new(Algorithm::HS256),
            &serde_json::json!({"sub": "ada", "exp": exp}),
            &EncodingKey::from_secret(key),
        )
        .unwrap()
    };
    let good = token(now + 60, secret);
    assert!(
        call(&layer, with_authorization(&format!("Bearer {good}")))
            .await
            .is_ok()
    );
    for bad in [
        token(now - 600, secret),
        token(now + 60, b"another key"),
        "not.a.jwt".to_owned(),
    ] {
        let error = call(&layer, with_authorization(&format!("Bearer {bad}")))
            .await
            .unwrap_err();
        assert_eq!(error.code(), Code::Unauthenticated);
        assert!(
            error.message().starts_with("invalid token"),
            "{}",
            error.message()
        );
    }
}

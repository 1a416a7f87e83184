use http::HeaderValue;
use tower::{Layer, ServiceExt};

use super::*;
use crate::{Code, Context, Endpoint};

/// Says who called, as the handler sees it.
fn who() -> Endpoint<u8, String> {
    Endpoint::new(tower::service_fn(|request: Request<u8>| async move {
        Ok(request
            .ctx
            .caller()
            .map_or("nobody", Identity::name)
            .to_owned())
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

async fn call(layer: &AuthLayer, ctx: Context) -> Result<String, Error> {
    layer.layer(who()).oneshot(Request::new(ctx, 1)).await
}

#[tokio::test]
async fn without_an_auth_layer_there_is_no_caller() {
    assert_eq!(
        who()
            .oneshot(Request::new(Context::new(), 1))
            .await
            .unwrap(),
        "nobody"
    );
}

#[tokio::test]
async fn bearer_tokens() {
    let layer = AuthLayer::bearer(["s3cret", "other"]);
    assert_eq!(
        call(&layer, with_authorization("Bearer s3cret"))
            .await
            .unwrap(),
        "token 1"
    );
    assert_eq!(
        call(&layer, with_authorization("bearer other"))
            .await
            .unwrap(),
        "token 2"
    );
    let named = AuthLayer::bearer_named([("billing", "b-key"), ("search", "s-key")]);
    assert_eq!(
        call(&named, with_authorization("Bearer s-key"))
            .await
            .unwrap(),
        "search"
    );
    // A prefix or an extension of a token is no token.
    for near in ["Bearer s-ke", "Bearer s-key2", "Bearer "] {
        assert!(
            call(&named, with_authorization(near)).await.is_err(),
            "{near}"
        );
    }
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
    assert_eq!(
        call(&layer, with_authorization("Basic YWRhOmxvdmVsYWNl"))
            .await
            .unwrap(),
        "ada"
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
            Ok(Identity::Custom {
                name: "the answer".to_owned(),
            })
        } else {
            Err(Error::unauthenticated("no"))
        }
    });
    assert_eq!(
        call(&layer, with_authorization("Key 42")).await.unwrap(),
        "the answer"
    );
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
    assert_eq!(
        call(&layer, with_authorization(&format!("Bearer {good}")))
            .await
            .unwrap(),
        "ada"
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

//! Go kit's addsvc on kitgen.
//!
//! The interface, [`AddService`], is the shared fixture in
//! `fixtures/addsvc.rs`; `#[kit::service]` generates [`add_service`] from it.
//! [`BasicAddService`] is the business logic, as in Go kit's
//! `addservice.NewBasicService`.

#[path = "../../../fixtures/addsvc.rs"]
mod api;

pub use api::*;

/// The longest string `concat` returns, in bytes.
pub const MAX_CONCAT_LEN: usize = 10;

/// The business logic of addsvc, with no transport concerns.
#[derive(Clone, Copy, Debug, Default)]
pub struct BasicAddService;

impl AddService for BasicAddService {
    async fn sum(&self, _ctx: &kit::Context, a: i64, b: i64) -> Result<i64, AddError> {
        if a == 0 && b == 0 {
            return Err(AddError::TwoZeroes);
        }
        a.checked_add(b).ok_or(AddError::IntOverflow)
    }

    async fn concat(&self, _ctx: &kit::Context, a: String, b: String) -> Result<String, AddError> {
        if a.len() + b.len() > MAX_CONCAT_LEN {
            return Err(AddError::MaxSizeExceeded);
        }
        Ok(a + &b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sum_follows_go_kits_rules() {
        let ctx = kit::Context::new();
        assert_eq!(BasicAddService.sum(&ctx, 2, 3).await.unwrap(), 5);
        assert!(matches!(
            BasicAddService.sum(&ctx, 0, 0).await,
            Err(AddError::TwoZeroes)
        ));
        assert!(matches!(
            BasicAddService.sum(&ctx, i64::MAX, 1).await,
            Err(AddError::IntOverflow)
        ));
        assert!(matches!(
            BasicAddService.sum(&ctx, i64::MIN, -1).await,
            Err(AddError::IntOverflow)
        ));
    }

    #[tokio::test]
    async fn concat_follows_go_kits_rules() {
        let ctx = kit::Context::new();
        assert_eq!(
            BasicAddService
                .concat(&ctx, "abc".into(), "def".into())
                .await
                .unwrap(),
            "abcdef"
        );
        assert_eq!(
            BasicAddService
                .concat(&ctx, "12345".into(), "67890".into())
                .await
                .unwrap()
                .len(),
            10
        );
        assert!(matches!(
            BasicAddService
                .concat(&ctx, "123456".into(), "67890".into())
                .await,
            Err(AddError::MaxSizeExceeded)
        ));
    }
}

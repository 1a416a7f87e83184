{%- let svc = s.services[0] -%}
//! [`{{ svc.impl_name }}`]: the implementation of [`{{ svc.trait_name }}`].

use crate::{ {{- s.stem }}Error, {{ svc.trait_name -}} };

/// The service. Keep its state (clients, pools, caches) in its fields.
#[derive(Debug, Default)]
pub struct {{ svc.impl_name }};

impl {{ svc.impl_name }} {
    /// The service, ready to serve.
    pub fn new() -> Self {
        {{ svc.impl_name }}
    }
}

impl {{ svc.trait_name }} for {{ svc.impl_name }} {
    async fn hello(&self, _ctx: &kit::Context, name: String) -> Result<String, {{ s.stem }}Error> {
        if name.trim().is_empty() {
            return Err({{ s.stem }}Error::EmptyName);
        }
        Ok(format!("Hello, {name}!"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hello_greets_by_name() {
        let service = {{ svc.impl_name }}::new();
        let ctx = kit::Context::new();
        let greeting = service.hello(&ctx, "Ada".to_owned()).await.unwrap();
        assert_eq!(greeting, "Hello, Ada!");
        assert!(matches!(
            service.hello(&ctx, " ".to_owned()).await,
            Err({{ s.stem }}Error::EmptyName)
        ));
    }
}

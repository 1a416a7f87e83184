//! The implementation of the services in `{{ s.proto_file }}`. Each method
//! answers with an empty response until you write it.

{% for package in s.packages -%}
// Everything generated, so that the methods `kitgen sync` adds find their
// types.
use crate::generated::{{ package }}::*;
{% endfor %}
{%- for svc in s.services %}
/// Implements [`{{ svc.trait_name }}`]. Keep its state (clients, pools,
/// caches) in its fields.
#[derive(Debug, Default)]
pub struct {{ svc.impl_name }};

impl {{ svc.impl_name }} {
    /// The service, ready to serve.
    pub fn new() -> Self {
        {{ svc.impl_name }}
    }
}

impl {{ svc.trait_name }} for {{ svc.impl_name }} {
{%- for m in svc.methods %}
    async fn {{ m.name }}(
        &self,
        _ctx: &kit::Context,
        _request: {{ m.request }},
    ) -> Result<{{ m.response }}, kit::Error> {
        Ok({{ m.response }}::default())
    }
{%- if !loop.last %}
{% endif %}
{%- endfor %}
}
{%- endfor %}

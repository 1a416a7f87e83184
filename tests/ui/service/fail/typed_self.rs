#[kit::service]
trait Calc {
    async fn add(self: std::sync::Arc<Self>, a: i64) -> Result<i64, kit::Error>;
}

fn main() {}

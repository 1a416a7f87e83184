#[kit::service]
trait Calc {
    async fn add(&self, a: i64, ctx: &kit::Context) -> Result<i64, kit::Error>;
}

fn main() {}

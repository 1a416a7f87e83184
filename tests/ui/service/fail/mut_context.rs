#[kit::service]
trait Calc {
    async fn add(&self, ctx: &mut kit::Context, a: i64) -> Result<i64, kit::Error>;
}

fn main() {}

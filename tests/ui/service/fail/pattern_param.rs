#[kit::service]
trait Calc {
    async fn add(&self, (a, b): (i64, i64)) -> Result<i64, kit::Error>;
}

fn main() {}

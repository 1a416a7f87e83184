#[kit::service]
trait Calc {
    const async fn add(&self, a: i64) -> Result<i64, kit::Error>;
}

fn main() {}

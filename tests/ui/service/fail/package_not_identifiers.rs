#[kit::service(package = "acme.1orders")]
trait Calc {
    async fn add(&self, a: i64) -> Result<i64, kit::Error>;
}

fn main() {}

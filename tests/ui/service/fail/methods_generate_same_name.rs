#[kit::service]
trait Versions {
    async fn get1(&self) -> Result<(), kit::Error>;
    async fn get_1(&self) -> Result<(), kit::Error>;
}

fn main() {}

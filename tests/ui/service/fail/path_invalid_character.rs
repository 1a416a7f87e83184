#[kit::service]
trait Orders {
    #[kit(http(get = "/orders|all"))]
    async fn list(&self) -> Result<Vec<String>, kit::Error>;
}

fn main() {}

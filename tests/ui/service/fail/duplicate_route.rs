#[kit::service]
trait Orders {
    #[kit(http(get = "/orders/{id}"))]
    async fn get(&self, id: String) -> Result<String, kit::Error>;
    #[kit(http(get = "/orders/{id}"))]
    async fn fetch(&self, id: String) -> Result<String, kit::Error>;
}

fn main() {}

#[kit::service]
trait Orders {
    #[kit(http(post = "/get-order"))]
    async fn fetch(&self, id: String) -> Result<String, kit::Error>;
    async fn get_order(&self, id: String) -> Result<String, kit::Error>;
}

fn main() {}

#[kit::service]
trait Orders {
    #[kit(http(get = "/orders/{order_id}"))]
    async fn get(&self, id: String) -> Result<String, kit::Error>;
}

fn main() {}

-- Optional LLM backend per tenant (OpenAI-compatible): JSON
-- {"base_url", "model", "api_key"}; NULL: retrieval answers alone.
ALTER TABLE chat_settings ADD COLUMN llm TEXT;

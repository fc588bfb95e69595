-- wrk script: POST a realistic Telegram update (a text message, as
-- faketelegram.TextUpdate builds it) with the webhook secret header, a new
-- update_id on every request.
--   wrk -t2 -c64 -d10s -s bench/bareecho/update.lua http://127.0.0.1:18080/webhooks/telegram
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Telegram-Bot-Api-Secret-Token"] = "loadgen-secret"

local counter = 0
local template = '{"update_id":%d,"message":{"message_id":%d,"from":{"id":%d,"is_bot":false,' ..
  '"first_name":"Load","last_name":"Customer","username":"load_customer","language_code":"en"},' ..
  '"chat":{"id":%d,"type":"private","username":"load_customer","first_name":"Load","last_name":"Customer"},' ..
  '"date":1764000000,"text":"Hello, my order #%d has not arrived yet. Where is it?"}}'

request = function()
  counter = counter + 1
  local user = 5000000000 + (counter % 100000)
  return wrk.format(nil, nil, nil, string.format(template, counter, counter, user, user, counter % 100000))
end

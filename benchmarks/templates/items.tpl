<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Items</title>
</head>
<body>
  <h1>Items</h1>
  <ul>
% for item in items:
    <li>{{item}}</li>
% end
  </ul>
</body>
</html>
export function App(): React.JSX.Element {
  return (
    <main>
      <h1>Lookalike</h1>
      <p>
        Index your photo folders with <code>npx lookalike index &lt;folder&gt;</code>, then search with{' '}
        <code>npx lookalike search &lt;photo&gt;</code>.
      </p>
    </main>
  );
}

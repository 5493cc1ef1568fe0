using Sharpicorn.Wsgi;

namespace Sharpicorn.Tests.Wsgi;

/// <summary>The deadline against the app's first byte: exactly one owns the response.</summary>
public sealed class ResponseClaimTests
{
    [Fact]
    public void TryClaim_Fresh_ClaimedAndTheAppCannotCommit()
    {
        var claim = new ResponseClaim();
        Assert.Equal(ClaimOutcome.Claimed, claim.TryClaim());
        Assert.True(claim.IsClaimed);
        Assert.False(claim.TryCommit());
        Assert.False(claim.Enter());
        Assert.Equal(ClaimOutcome.AlreadyClaimed, claim.TryClaim());
    }

    [Fact]
    public void TryCommit_Fresh_CommittedAndTheDeadlineIsTooLate()
    {
        var claim = new ResponseClaim();
        Assert.True(claim.TryCommit());
        Assert.True(claim.TryCommit());
        Assert.Equal(ClaimOutcome.TooLate, claim.TryClaim());
        Assert.True(claim.IsCommitted);
        Assert.False(claim.IsClaimed);
    }

    [Fact]
    public void TryClaim_InsideKestrel_DeferredUntilExitHandsItOver()
    {
        var claim = new ResponseClaim();
        Assert.True(claim.Enter());
        Assert.Equal(ClaimOutcome.Deferred, claim.TryClaim());
        Assert.True(claim.IsClaimed);
        Assert.Equal(ClaimOutcome.AlreadyClaimed, claim.TryClaim());
        // Exit says "answer it yourself", once; from then on the features are nobody's to touch.
        Assert.False(claim.Exit());
        Assert.False(claim.Enter());
        Assert.False(claim.TryCommit());
    }

    [Fact]
    public void Exit_NoDeadline_FreeAgainAndCommitWins()
    {
        var claim = new ResponseClaim();
        Assert.True(claim.Enter());
        Assert.True(claim.Exit());
        Assert.True(claim.TryCommit());
        Assert.Equal(ClaimOutcome.TooLate, claim.TryClaim());
    }

    [Fact]
    public void EnterExit_AfterCommit_AlwaysAllowed()
    {
        var claim = new ResponseClaim();
        Assert.True(claim.TryCommit());
        Assert.True(claim.Enter());
        Assert.True(claim.Exit());
        Assert.True(claim.IsCommitted);
    }

    [Fact]
    public void Misuse_CommitInsideKestrel_RefusedWithoutThrowing()
    {
        // A throw on the Python thread would end the worker; misuse gets the conservative answer.
        var inside = new ResponseClaim();
        Assert.True(inside.Enter());
        Assert.False(inside.TryCommit());
        Assert.True(inside.Exit());
        Assert.True(inside.TryCommit());
        Assert.True(new ResponseClaim().Exit());
    }

    [Fact]
    public void Race_CommitAgainstClaim_ExactlyOneWinsEveryTime()
    {
        const int Rounds = 5_000;
        int appWon = 0, deadlineWon = 0;
        for (int i = 0; i < Rounds; i++)
        {
            var claim = new ResponseClaim();
            using var go = new Barrier(2);
            bool committed = false;
            ClaimOutcome outcome = default;
            var app = new Thread(() =>
            {
                go.SignalAndWait();
                committed = claim.TryCommit();
            });
            app.Start();
            go.SignalAndWait();
            outcome = claim.TryClaim();
            app.Join();
            Assert.True(committed ^ (outcome == ClaimOutcome.Claimed), $"round {i}: committed={committed}, claim={outcome}");
            Assert.Equal(committed ? ClaimOutcome.TooLate : ClaimOutcome.Claimed, outcome);
            if (committed)
            {
                appWon++;
            }
            else
            {
                deadlineWon++;
            }
        }
        Assert.Equal(Rounds, appWon + deadlineWon);
    }

    [Fact]
    public void Race_ExitAgainstClaim_ExactlyOneAnswers()
    {
        const int Rounds = 5_000;
        for (int i = 0; i < Rounds; i++)
        {
            var claim = new ResponseClaim();
            Assert.True(claim.Enter());
            using var go = new Barrier(2);
            bool mustAnswer = false;
            var app = new Thread(() =>
            {
                go.SignalAndWait();
                mustAnswer = !claim.Exit();
            });
            app.Start();
            go.SignalAndWait();
            ClaimOutcome outcome = claim.TryClaim();
            app.Join();
            // Either the deadline found the features free (it answers), or the thread still inside
            // (the thread answers on its way out): one answer, never two, never none.
            int answers = (outcome == ClaimOutcome.Claimed ? 1 : 0) + (mustAnswer ? 1 : 0);
            Assert.Equal(1, answers);
            Assert.True(claim.IsClaimed);
        }
    }
}
